// `osprey export-model --project-version-arn ARN --output-dir DIR`: calls Osprey's extension operation
// ExportProjectVersion (not an AWS operation, so it lives beside `osprey rekognition`, not inside it) and writes
// the returned TensorFlow.js model files into DIR. Endpoint, region, profile and credentials are resolved exactly as
// `osprey rekognition` resolves them (src/cli/config.ts); the request is signed with SigV4.
// The files appear all at once: they are written to a temporary sibling folder that is renamed to DIR at the end,
// so an interrupted export never leaves a half-written model. DIR must not exist or must be empty.
import { mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { parseGlobals } from './argv.js';
import { DEFAULT_REGION, DUMMY_CREDENTIALS, resolveConfig, staticCredentials } from './config.js';
import { errorCodeOf } from './transport.js';

const USAGE = `usage: osprey export-model --project-version-arn ARN --output-dir DIR
                           [--endpoint-url URL] [--region R] [--profile P] [--no-sign-request]

Writes the model version as a standard TensorFlow.js model (model.json, weights.bin), its label map and
thresholds (osprey-model.json) and a runnable example (predict.mjs, README.md) into DIR, which must not exist
or be empty. Needs rekognition:ExportProjectVersion (named explicitly) and kms:Decrypt on the model's key.
`;

class Usage extends Error {}

interface Io { out: (s: string) => void; err: (s: string) => void; env: NodeJS.ProcessEnv }

export async function runExportModel(argv: string[], io: Partial<Io> = {}): Promise<number> {
  const out = io.out ?? ((s: string) => { process.stdout.write(s); });
  const err = io.err ?? ((s: string) => { process.stderr.write(s); });
  const env = io.env ?? process.env;
  try {
    if (argv.includes('help') || argv.includes('--help') || argv.includes('-h')) { out(USAGE); return 0; }
    const { globals, rest } = parseGlobals(argv);
    const opts: Record<string, string> = {};
    for (let i = 0; i < rest.length; i++) {
      const [flag, inline] = rest[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
      if (flag !== '--project-version-arn' && flag !== '--output-dir') throw new Usage(`unknown argument ${rest[i]}`);
      const value = inline ?? rest[++i];
      if (value === undefined) throw new Usage(`argument ${flag}: expected one argument`);
      opts[flag] = value;
    }
    const arn = opts['--project-version-arn'];
    const dir = opts['--output-dir'];
    if (!arn || !dir) throw new Usage('the following arguments are required: --project-version-arn, --output-dir');
    const target = resolve(dir);
    const existing = await readdir(target).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
    if (existing && existing.length) throw new Usage(`--output-dir ${dir} exists and is not empty`);

    const cfg = resolveConfig(globals, env);
    const region = cfg.region ?? DEFAULT_REGION;
    const creds = globals.noSignRequest ? undefined : staticCredentials(cfg, typeof globals.profile === 'string') ?? DUMMY_CREDENTIALS;
    const url = new URL(cfg.endpoint);
    const body = JSON.stringify({ ProjectVersionArn: arn });
    let request = {
      method: 'POST', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined,
      path: url.pathname || '/', query: {},
      headers: {
        host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.ExportProjectVersion',
      } as Record<string, string>,
      body,
    };
    if (creds) {
      const signer = new SignatureV4({ credentials: creds, region, service: 'rekognition', sha256: Sha256 });
      request = await signer.sign(request) as typeof request;
    }
    const { host: _host, ...headers } = request.headers;
    const res = await fetch(new URL(request.path, url), { method: 'POST', headers, body });
    const text = await res.text();
    if (!res.ok) {
      const { code, message } = errorCodeOf(res.status, text);
      err(`\nAn error occurred (${code}) when calling the ExportProjectVersion operation: ${message}\n`);
      return 254;
    }
    const reply = JSON.parse(text) as { Files?: { Path: string; Content: string }[] };
    const files = reply.Files ?? [];
    if (!files.length || files.some((f) => !/^[A-Za-z0-9._-]+$/.test(f.Path) || f.Path.startsWith('.'))) {
      throw new Error('the server returned no files or an unsafe file name');
    }
    // Write beside DIR, then rename: the model appears complete or not at all.
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(dirname(target), `.${basename(target)}.export-${process.pid}-${Date.now()}`);
    await mkdir(tmp);
    try {
      for (const f of files) await writeFile(join(tmp, f.Path), Buffer.from(f.Content, 'base64'));
      if (existing) await rmdir(target);
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    out(`${JSON.stringify({ ProjectVersionArn: arn, OutputDir: target, Files: files.map((f) => f.Path) }, null, 4)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof Usage) { err(`${USAGE}\nosprey export-model: error: ${e.message}\n`); return 252; }
    err(`\nosprey export-model: [ERROR]: ${(e as Error).message}\n`);
    return 255;
  }
}
