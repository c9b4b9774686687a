// Benchmark: the web console's time to interactive and bundle size (issue #14; goals: < 1 s and
// < 500 kB gzipped). Asserts nothing; prints medians and ratios against baselines of the same run.
//   npm run build && node --import tsx bench/console.ts [--runs 5] [--entries 1000] [--projects 20]
//
// Time to interactive (TTI) of a page = Chromium's performance timing of that page: from its
// navigation start (performance.timeOrigin) to the first moment it shows its data and can be used:
// the projects table with its 20 rows, or the dataset page's first 50 grid entries with their
// labels and the label statistics. Read inside the page (performance.now() at the first 5 ms poll
// where the page is ready). Cold cache: each run is a fresh browser context (empty HTTP cache, no
// service worker), signed in through sessionStorage as the sign-in page leaves it; the browser
// process stays up, and the context's tab opens /health first, so that the renderer process's
// start-up is not counted (it is printed apart, for the projects page). Also printed: Chromium's
// navigation and resource timing (HTML received, main script received, first API call sent,
// domInteractive, load) and when the thumbnails on the dataset page's first screen have loaded.
// Baselines, same server, same run: (1) the same kind of tab opening a static page (/health): the
// browser's floor; (2) the same API calls the page makes, from Node with the JS SDK.
// Prints its own run time; about 2 minutes on 2 idle cores (seeding 1,000 images is most of it).
import { readFileSync, readdirSync } from 'node:fs';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadavg } from 'node:os';
import { CreateDatasetCommand, CreateProjectCommand, DescribeDatasetCommand, DescribeProjectsCommand, ListDatasetEntriesCommand, ListDatasetLabelsCommand } from '@aws-sdk/client-rekognition';
import type { Browser, Page } from 'playwright-core';
import { generateSampleImages, manifestLine, SAMPLE_CLASSES } from '../src/ml/sample-dataset.js';
import { REPO, startServer } from '../test/helpers/server.js';
import { sdk } from '../test/copy/util.js';
import { launch } from '../test/console/browser.js';

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1]! : dflt; };
const RUNS = Number(arg('runs', '5'));
const ENTRIES = Number(arg('entries', '1000'));
const PROJECTS = Number(arg('projects', '20'));
const A = { accessKeyId: '111122223333', secretAccessKey: 'x' };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (v: number) => `${v.toFixed(0)} ms`;

/** Every built file, and those index.html loads itself (its script, preloads and stylesheet). */
function bundleSize(): { files: number; raw: number; gzip: number; entryGzip: number } {
  const dir = join(REPO, 'dist', 'console');
  const files = [join(dir, 'index.html'), ...readdirSync(join(dir, 'assets')).map((f) => join(dir, 'assets', f))];
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const entry = new Set(['index.html', ...[...html.matchAll(/\/console\/(assets\/[^"']+)/g)].map((m) => m[1]!)]);
  let raw = 0, gzip = 0, entryGzip = 0;
  for (const f of files) {
    const b = readFileSync(f);
    const gz = gzipSync(b, { level: 9 }).length;
    raw += b.length; gzip += gz;
    if (entry.has(f.slice(dir.length + 1))) entryGzip += gz;
  }
  return { files: files.length, raw, gzip, entryGzip };
}

/**
 * Resolves to the page's performance.now() at the first poll (every 5 ms) where `ready` returns
 * it (a function, not a string: the console's CSP forbids eval).
 */
function when(page: Page, ready: (arg: number) => number | false, arg: number): Promise<number> {
  return page.waitForFunction(ready, arg, { polling: 5, timeout: 60_000 }).then((h) => h.jsonValue() as Promise<number>);
}

const loaded = () => document.readyState === 'complete' && performance.now();
const projectRows = (n: number) => document.querySelectorAll('table.list tbody tr').length >= n && performance.now();
const gridReady = (n: number) => document.querySelectorAll('ul[aria-label="Dataset images"] > li .chips li').length >= n && document.querySelectorAll('#labels tbody tr').length === 4 && performance.now();
/** Every thumbnail on the first screen shows its image (the console fetches the others as the reader scrolls). */
const imagesReady = (n: number) => {
  const frames = [...document.querySelectorAll('ul[aria-label="Dataset images"] .frame')].filter((f) => f.getBoundingClientRect().top < window.innerHeight);
  return frames.length >= Math.min(n, 1) && frames.every((f) => (f.querySelector('img') as HTMLImageElement | null)?.complete) && performance.now();
};

/**
 * One cold run: a fresh browser context (empty HTTP cache, no service worker, empty session
 * storage but for the signed-in session). Its tab first opens /health, which starts the tab's
 * renderer process for the origin and caches nothing of the console's; then the page under test is
 * opened, and its time is Chromium's from that navigation's start. `coldTab` skips the first step,
 * so the time also holds the renderer's start (printed for comparison).
 */
async function measure(browser: Browser, url: string, ready: (page: Page) => Promise<number>, extra?: (page: Page) => Promise<number>, coldTab = false) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((s) => sessionStorage.setItem('osprey.session', s), JSON.stringify({ ...A, region: 'us-east-1' }));
  const page = await context.newPage();
  if (!coldTab) await page.goto(new URL('/health', url).href);
  await page.goto(url, { waitUntil: 'commit' });
  const tti = await ready(page);
  const nav = await page.evaluate((tti) => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    // Rekognition calls are POST / (S3 calls are /<bucket>/<key>).
    const rek = resources.filter((r) => r.initiatorType === 'fetch' && new URL(r.name).pathname === '/' && r.responseEnd <= tti);
    // (no named functions in here: tsx's __name helper does not exist in the page)
    const marks = Object.fromEntries(performance.getEntriesByType('mark').map((e) => [e.name, e.startTime]));
    return {
      html: n.responseEnd, domInteractive: n.domInteractive, load: n.loadEventEnd, script: resources.find((r) => r.initiatorType === 'script')?.responseEnd ?? NaN,
      evaluated: marks['console:script-evaluated'] ?? NaN, rendered: marks['console:first-render'] ?? NaN,
      firstApi: rek.length ? Math.min(...rek.map((r) => r.startTime)) : NaN, lastApi: rek.length ? Math.max(...rek.map((r) => r.responseEnd)) : NaN,
    };
  }, tti);
  const more = extra ? await extra(page) : undefined;
  await context.close();
  return { tti, ...nav, more };
}

async function main() {
  const started = performance.now();
  const bundle = bundleSize();
  const server = await startServer({ env: { OSPREY_LOG_LEVEL: 'warn' } });
  const client = sdk(server.url, A);
  try {
    // Seed: projects, and a TRAIN dataset of ENTRIES labelled sample images.
    for (let i = 0; i < PROJECTS; i++) await client.send(new CreateProjectCommand({ ProjectName: `bench-${String(i).padStart(3, '0')}` }));
    // The images go in through Osprey's S3 API (CreateBucket, PutObject), as a user's would.
    const s3 = new S3Client({ endpoint: server.url, region: 'us-east-1', forcePathStyle: true, credentials: A });
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const images = await generateSampleImages({ count: ENTRIES, seed: 3 });
    const lines = images.map((img) => manifestLine(`s3://bench/${img.path}`, img.className, SAMPLE_CLASSES.indexOf(img.className)));
    for (let i = 0; i < images.length; i += 8) {
      await Promise.all(images.slice(i, i + 8).map((img) => s3.send(new PutObjectCommand({ Bucket: 'bench', Key: img.path, Body: img.bytes }))));
    }
    await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'all.manifest', Body: lines.join('\n') + '\n' }));
    s3.destroy();
    const project = 'bench-000';
    const projectArn = (await client.send(new DescribeProjectsCommand({ ProjectNames: [project] }))).ProjectDescriptions![0]!.ProjectArn!;
    const { DatasetArn } = await client.send(new CreateDatasetCommand({ ProjectArn: projectArn, DatasetType: 'TRAIN', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'bench', Name: 'all.manifest' } } } }));
    for (;;) {
      const d = (await client.send(new DescribeDatasetCommand({ DatasetArn }))).DatasetDescription!;
      if (d.Status === 'CREATE_COMPLETE') { if (d.DatasetStats?.TotalEntries !== ENTRIES) throw new Error(`dataset has ${d.DatasetStats?.TotalEntries} entries`); break; }
      if (d.Status !== 'CREATE_IN_PROGRESS') throw new Error(`dataset ${d.Status}: ${d.StatusMessage}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const browser = await launch();
    const version = browser.version();
    const floor: number[] = [], coldTab: number[] = [], projects: any[] = [], dataset: any[] = [], apiProjects: number[] = [], apiDataset: number[] = [];
    await measure(browser, `${server.url}/console/projects`, (p) => when(p, projectRows, 1)); // warm the server's caches once
    for (let r = 0; r < RUNS; r++) {
      floor.push((await measure(browser, `${server.url}/health?floor`, (p) => when(p, loaded, 0))).tti);
      coldTab.push((await measure(browser, `${server.url}/console/projects`, (p) => when(p, projectRows, Math.min(PROJECTS, 20)), undefined, true)).tti);
      projects.push(await measure(browser, `${server.url}/console/projects`, (p) => when(p, projectRows, Math.min(PROJECTS, 20))));
      dataset.push(await measure(browser, `${server.url}/console/projects/${project}/datasets/train`,
        (p) => when(p, gridReady, 50), (p) => when(p, imagesReady, 50)));
      let t0 = performance.now();
      await client.send(new DescribeProjectsCommand({ MaxResults: 20 }));
      apiProjects.push(performance.now() - t0);
      t0 = performance.now();
      await Promise.all([
        client.send(new DescribeDatasetCommand({ DatasetArn })), client.send(new ListDatasetLabelsCommand({ DatasetArn, MaxResults: 100 })),
        client.send(new ListDatasetEntriesCommand({ DatasetArn, MaxResults: 50 })),
      ]);
      apiDataset.push(performance.now() - t0);
    }
    await browser.close();

    const f = median(floor);
    const row = (name: string, xs: any[], api: number[]) => {
      const tti = median(xs.map((x) => x.tti));
      const m = (k: string) => ms(median(xs.map((x) => x[k])));
      console.log(`${name.padEnd(22)} TTI ${ms(tti).padStart(7)} (goal < 1000 ms)  | HTML ${m('html')}, script received ${m('script')}, evaluated ${m('evaluated')}, first render ${m('rendered')}, first API call sent ${m('firstApi')}, last answered ${m('lastApi')}, domInteractive ${m('domInteractive')}, load ${m('load')}`
        + `  | ×${(tti / f).toFixed(1)} the static-page floor, its API calls from Node ${ms(median(api))}`
        + (xs[0].more !== undefined ? `  | the first screen's thumbnails loaded ${m('more')}` : ''));
    };
    console.log(`console bench: median of ${RUNS} cold runs each, Chromium ${version}, ${PROJECTS} projects, dataset of ${ENTRIES} entries (50 a page)`);
    console.log(`load average (1 min) at the end: ${loadavg()[0]!.toFixed(1)} on ${(await import('node:os')).availableParallelism()} CPUs; bench ran ${((performance.now() - started) / 1000).toFixed(0)} s`);
    console.log(`bundle: ${bundle.files} files, ${(bundle.raw / 1024).toFixed(1)} kB raw, ${(bundle.gzip / 1024).toFixed(1)} kB gzipped (goal < 500 kB); first page's files: ${(bundle.entryGzip / 1024).toFixed(1)} kB gzipped`);
    console.log(`static-page floor (a fresh context's tab opening /health): ${ms(f)}`);
    row('projects page', projects, apiProjects);
    row(`dataset page (${ENTRIES})`, dataset, apiDataset);
    console.log(`projects page in a tab whose renderer starts with it: TTI ${ms(median(coldTab))} (not the goal's measure: it holds the renderer's start)`);
  } finally {
    await server.stop();
    server.cleanup();
  }
}

await main();
