#!/usr/bin/env node
// Runs the compiled entry point (npm's prepare script builds dist/ on npm ci / npm install).
import { main } from '../dist/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  // Exit at once: a failed `serve --workers` worker would otherwise stay alive on its IPC channel.
  (err) => { process.stderr.write(`osprey: ${err instanceof Error ? err.message : String(err)}\n`); process.exit(255); },
);
