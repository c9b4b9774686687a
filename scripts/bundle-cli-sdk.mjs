// Build step after `tsc` (npm run build / prepare): replaces dist/cli/sdk.js, the CLI's one gateway to
// the AWS SDK, with a tree-shaken ESM bundle of what it exports. Loading the SDK packages themselves
// costs about 70 ms at start-up (the client's package index loads every Rekognition command); the
// bundle holds only the client, the 23 Custom Labels commands and the retry strategy. Parts the CLI
// seldom needs (the credential providers behind assume-role, SSO, credential_process, …) stay in
// chunks under dist/cli/sdk/ that load only when used. See docs/cli.md, "How the CLI is built".
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist', 'cli', 'sdk'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/sdk.ts'],
  outdir: 'dist/cli',
  chunkNames: 'sdk/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],   // the packages' ES module builds, which tree-shake
  minify: true,
  legalComments: 'none',
  allowOverwrite: true,             // tsc wrote dist/cli/sdk.js first (the unbundled form)
  logLevel: 'warning',
});
