// Benchmark: the web console's time to interactive and bundle size (issue #14; goals: < 1 s and
// < 500 kB gzipped). Asserts nothing; prints medians and ratios against baselines of the same run.
//   npm run build && node --import tsx bench/console.ts [--runs 5] [--entries 1000] [--projects 20]
//
// Time to interactive (TTI) of a page = from Chromium's navigation start (performance.timeOrigin)
// to the first moment the page shows its data and can be used: the projects table with its rows,
// or the dataset page's first 50 grid entries with their labels and the label statistics. Each
// run is a fresh browser context (cold HTTP cache, no service worker), signed in through
// sessionStorage as the sign-in page leaves it. Also printed: Chromium's navigation timing
// (domInteractive, loadEventEnd) and when every image of the first dataset page has loaded.
// Baselines, same server, same run: (1) Chromium loading a static page from the same origin (the
// browser's floor: /health), (2) the same API calls the page makes, from Node with the JS SDK.
// Times are read inside the page (performance.now() at the first 5 ms poll where the page is ready).
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

function bundleSize(): { files: number; raw: number; gzip: number } {
  const dir = join(REPO, 'dist', 'console');
  const files = [join(dir, 'index.html'), ...readdirSync(join(dir, 'assets')).map((f) => join(dir, 'assets', f))];
  let raw = 0, gzip = 0;
  for (const f of files) { const b = readFileSync(f); raw += b.length; gzip += gzipSync(b, { level: 9 }).length; }
  return { files: files.length, raw, gzip };
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
const imagesReady = (n: number) => {
  const imgs = [...document.querySelectorAll('ul[aria-label="Dataset images"] img')] as HTMLImageElement[];
  return imgs.length >= n && imgs.every((i) => i.complete) && performance.now();
};

async function measure(browser: Browser, url: string, ready: (page: Page) => Promise<number>, extra?: (page: Page) => Promise<number>) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((s) => sessionStorage.setItem('osprey.session', s), JSON.stringify({ ...A, region: 'us-east-1' }));
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  const tti = await ready(page);
  const nav = await page.evaluate(() => { const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming; return { domInteractive: n.domInteractive, load: n.loadEventEnd }; });
  const more = extra ? await extra(page) : undefined;
  await context.close();
  return { tti, ...nav, more };
}

async function main() {
  const bundle = bundleSize();
  const server = await startServer({ env: { OSPREY_LOG_LEVEL: 'warn' } });
  const client = sdk(server.url, A);
  try {
    // Seed: projects, and a TRAIN dataset of ENTRIES labelled sample images.
    for (let i = 0; i < PROJECTS; i++) await client.send(new CreateProjectCommand({ ProjectName: `bench-${String(i).padStart(3, '0')}` }));
    const bucketDir = join(server.dataDir, 'buckets', 'bench');
    const images = await generateSampleImages({ count: ENTRIES, seed: 3 });
    const lines: string[] = [];
    for (const img of images) {
      mkdirSync(join(bucketDir, img.className), { recursive: true });
      writeFileSync(join(bucketDir, img.path), img.bytes);
      lines.push(manifestLine(`s3://bench/${img.path}`, img.className, SAMPLE_CLASSES.indexOf(img.className)));
    }
    writeFileSync(join(bucketDir, 'all.manifest'), lines.join('\n') + '\n');
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
    const floor: number[] = [], projects: any[] = [], dataset: any[] = [], apiProjects: number[] = [], apiDataset: number[] = [];
    await measure(browser, `${server.url}/console/projects`, (p) => when(p, projectRows, 1)); // warm the server's caches once
    for (let r = 0; r < RUNS; r++) {
      floor.push((await measure(browser, `${server.url}/health`, (p) => when(p, loaded, 0))).tti);
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
      console.log(`${name.padEnd(22)} TTI ${ms(tti).padStart(7)} (goal < 1000 ms)  domInteractive ${ms(median(xs.map((x) => x.domInteractive)))}  load ${ms(median(xs.map((x) => x.load)))}`
        + `  | ×${(tti / f).toFixed(1)} the static-page floor, ×${(tti / median(api)).toFixed(0)} its API calls from Node (${ms(median(api))})`
        + (xs[0].more !== undefined ? `  | 50 images loaded ${ms(median(xs.map((x) => x.more)))}` : ''));
    };
    console.log(`console bench: median of ${RUNS} cold runs each, Chromium ${version}, ${PROJECTS} projects, dataset of ${ENTRIES} entries (50 a page)`);
    console.log(`load average (1 min) at the end: ${loadavg()[0]!.toFixed(1)} on ${(await import('node:os')).availableParallelism()} CPUs`);
    console.log(`bundle: ${bundle.files} files, ${(bundle.raw / 1024).toFixed(1)} kB raw, ${(bundle.gzip / 1024).toFixed(1)} kB gzipped (goal < 500 kB)`);
    console.log(`static-page floor: ${ms(f)}`);
    row('projects page', projects, apiProjects);
    row(`dataset page (${ENTRIES})`, dataset, apiDataset);
  } finally {
    await server.stop();
    server.cleanup();
  }
}

await main();
