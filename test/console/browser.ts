// Debian's chromium driven by playwright-core (no browser download: `npx playwright install`
// cannot reach its CDN here). Under CI=true a missing chromium is a failure, never a skip:
// .ci/run installs it.
import { missingTools, TOOLS } from '../helpers/tools.js';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.OSPREY_CHROMIUM ?? '/usr/bin/chromium';

/** Flags from /work/shared/DEPENDENCIES.md: headless, no sandbox (root in containers), nothing phoning home. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Why the browser tests cannot run here, or undefined when they can; under CI=true this throws (test/helpers/tools.ts). */
export function chromiumMissing(): string | undefined {
  return missingTools(TOOLS.chromium(CHROMIUM)) || undefined;
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
