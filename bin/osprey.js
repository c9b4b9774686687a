#!/usr/bin/env node
// Runs the compiled entry point (npm's prepare script builds dist/ on npm ci / npm install).
import { main } from '../dist/main.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`osprey: ${err instanceof Error ? err.message : String(err)}\n`); process.exitCode = 255; },
);
