// The console end to end, in Debian's chromium (playwright-core), against a real `osprey serve`
// in strict mode (every request the browser signs is verified). Flows of issue #14: sign in (by
// keyboard), create a project, import datasets from manifests, train and watch the status reach
// TRAINING_COMPLETED, read the evaluation (metrics table, confusion matrix) and check it against
// the output file, draw a box on a detection entry, put a project policy, copy the model into
// another account's project, start it and try an image; then train a detector and see its boxes.
// Every page is also checked at phone width (no sideways scrolling). OSPREY_SCREENSHOTS=docs/console saves the README's screenshots.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page, Request } from 'playwright-core';
import { writeSampleDataset, type WrittenDataset } from '../../src/ml/sample-dataset.js';
import { writeScenes } from '../../src/ml/detection/scenes.js';
import { awsS3, makeBucket, s3object } from '../helpers/clients.js';
import { startServer, REPO, type TestServer } from '../helpers/server.js';
import { chromiumMissing, launch } from './browser.js';
import { tempDir } from '../helpers/tmp.js';

const A = { accessKeyId: 'AKIACONSOLEAAAAAAAAA', secretAccessKey: 'console-secret-a', accountId: '111122223333' };
const B = { accessKeyId: 'AKIACONSOLEBBBBBBBBB', secretAccessKey: 'console-secret-b', accountId: '444455556666' };
const missing = chromiumMissing();
const shots = process.env.OSPREY_SCREENSHOTS ? resolve(REPO, process.env.OSPREY_SCREENSHOTS) : tempDir('osprey-console-shots-');
mkdirSync(shots, { recursive: true });

let server: TestServer;
let browser: Browser;
let page: Page;
let data: WrittenDataset;
let images: string; // the local folder synced into bucket imgs
const pageErrors: string[] = [];

/** `aws s3 mb` and `aws s3 sync` of a local folder into a new bucket of `who`, through Osprey's S3 API. */
function uploadFolder(dir: string, bucket: string, who: typeof A) {
  makeBucket(server.url, bucket, who);
  const sync = awsS3(server.url, ['s3', 'sync', dir, `s3://${bucket}/`], who);
  assert.equal(sync.code, 0, sync.stderr);
}

before(async () => {
  if (missing) return;
  server = await startServer({
    config: { auth: 'strict', credentials: [A, B] },
    env: { OSPREY_TRAINING_EPOCHS: '3', OSPREY_LOG_LEVEL: 'warn' },
  });
  // The images go in as a user's would: `aws s3 mb` + `aws s3 sync` of a local folder, as account A.
  images = tempDir('osprey-console-imgs-');
  data = await writeSampleDataset({ out: images, bucket: 'imgs', count: 40, seed: 5 });
  // A small object-detection manifest: five sample images with one box each (pixels), and one line
  // whose image does not exist (an entry with an error; 1 of 6 stays under the 20 % budget).
  const det = [...data.images.slice(0, 5).map((i) => i.path), 'missing.png'].map((path) => ({ path, ...(data.images.find((i) => i.path === path) ?? { width: 80, height: 80 }) })).map((img) => JSON.stringify({
    'source-ref': `s3://imgs/${img.path}`,
    box: { image_size: [{ width: img.width, height: img.height, depth: 3 }], annotations: [{ class_id: 0, left: 4, top: 6, width: Math.floor(img.width / 2), height: Math.floor(img.height / 2) }] },
    'box-metadata': { objects: [{ confidence: 1 }], 'class-map': { 0: 'shape' }, type: 'groundtruth/object-detection', 'human-annotated': 'yes', 'creation-date': '2024-01-01T00:00:00', 'job-name': 'j' },
  }));
  writeFileSync(join(images, 'detect.manifest'), det.join('\n') + '\n');
  uploadFolder(images, 'imgs', A);
  // Output buckets must exist (docs/s3.md): A's for training, B's for the copy into B's project.
  makeBucket(server.url, 'results', A);
  makeBucket(server.url, 'prod-results', B);
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => void d.accept()); // "Delete …?" confirmations
});

after(async () => {
  await browser?.close();
  if (server) { await server.stop(); server.cleanup(); }
});

const opts = { skip: missing };
const LONG = 600_000;

/**
 * Scrolls down the page a screen at a time and back to the top: the console fetches an image only
 * when it comes near the screen, so a check of every image on a page (or a full-page picture) first
 * brings them all near it.
 */
async function scrollThrough() {
  for (let y = 0; ; ) {
    const { bottom, step } = await page.evaluate(() => ({ bottom: document.documentElement.scrollHeight, step: window.innerHeight }));
    y += step;
    if (y >= bottom) break;
    await page.evaluate((to) => window.scrollTo(0, to), y);
    await page.waitForTimeout(50);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
}

async function shot(name: string, fullPage = true) {
  if (fullPage) await scrollThrough();
  await page.waitForLoadState('networkidle');
  // Images still downloading show a placeholder; wait for them (a picture, not a check).
  await page.waitForFunction(() => !document.querySelector('.placeholder'), undefined, { timeout: 10_000 }).catch(() => {});
  // Pages full of photographs are JPEG (a PNG of the dataset grid is ~1.7 MB), the rest PNG.
  const photo = ['dataset', 'dataset-edit', 'version', 'try-it', 'try-it-detection'].includes(name);
  await page.screenshot({ path: join(shots, `${name}.${photo ? 'jpg' : 'png'}`), fullPage, ...(photo ? { type: 'jpeg' as const, quality: 80 } : {}) });
}

/** The page fits a 390 px phone screen without sideways scrolling. */
async function fitsPhone(name: string) {
  const before = page.viewportSize()!;
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(100);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (name === 'dataset') await shot('dataset-phone', false);
  await page.setViewportSize(before);
  assert.ok(overflow <= 1, `${name}: ${overflow}px wider than a phone screen`);
}

const statusOf = (where: string) => page.locator(`${where} .status`).first();

/** Waits until the version page shows `want`; a *_FAILED status fails at once with its message. */
async function waitForStatus(want: string) {
  for (;;) {
    const s = await statusOf('#status').innerText({ timeout: LONG }); // the page may wait for a server busy training
    if (s === want) return;
    if (s.endsWith('FAILED')) assert.fail(`${s}: ${await page.locator('.status-message').innerText()}`);
    await page.waitForTimeout(300);
  }
}

async function signIn(who: typeof A, viaKeyboard = false) {
  await page.goto(`${server.url}/`);
  assert.equal(new URL(page.url()).pathname, '/console/');
  if (viaKeyboard) {
    // Tab from the top of the page reaches the first field (after the skip link and the brand link).
    for (let i = 0; i < 5 && (await page.evaluate(() => document.activeElement?.id)) !== 'ak'; i++) await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'ak');
    await page.keyboard.type(who.accessKeyId);
    await page.keyboard.press('Tab');
    await page.keyboard.type(who.secretAccessKey);
    await page.keyboard.press('Enter');
  } else {
    await page.getByLabel('Access key ID').fill(who.accessKeyId);
    await page.getByLabel('Secret access key').fill(who.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.getByRole('heading', { name: 'Projects', exact: true }).waitFor();
}

test('sign-in: a wrong secret shows the AWS error; the right keys (typed by keyboard) stay in session storage only', opts, async () => {
  await page.goto(`${server.url}/console/projects`);
  assert.equal(await page.getByRole('combobox', { name: 'Region' }).inputValue(), 'us-east-1');
  await shot('sign-in');
  await page.getByLabel('Access key ID').fill(A.accessKeyId);
  await page.getByLabel('Secret access key').fill('not-the-secret');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /InvalidSignatureException/);
  await signIn(A, true);
  const stored = await page.evaluate(() => ({ session: JSON.stringify(sessionStorage), local: JSON.stringify(localStorage), cookie: document.cookie }));
  assert.match(stored.session, new RegExp(A.secretAccessKey));
  assert.equal(stored.local, '{}');
  assert.equal(stored.cookie, '');
});

test('projects: create with tags, a duplicate name shows ResourceInUseException, datasets from manifests', opts, async () => {
  await page.getByLabel('Project name').fill('shapes');
  await page.getByLabel('Tags (key=value, comma-separated)').fill('team=vision');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'shapes', exact: true }).waitFor();
  await page.getByText('team=vision').first().waitFor();
  await page.getByLabel('Project name').fill('shapes');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.locator('#create').getByRole('alert').filter({ hasText: 'ResourceInUseException' }).waitFor();
  await page.getByLabel('Project name').fill('scratch');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'scratch', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Delete scratch' }).click();
  await page.getByRole('link', { name: 'scratch', exact: true }).waitFor({ state: 'detached' });
  await shot('projects');
  await fitsPhone('projects');

  await page.getByRole('link', { name: 'shapes', exact: true }).click();
  await page.getByRole('heading', { name: 'shapes', exact: true }).waitFor();
  for (const t of ['TRAIN', 'TEST']) {
    await page.getByLabel(`${t} manifest bucket`).fill('imgs');
    await page.getByLabel(`${t} manifest key`).fill(`${t.toLowerCase()}.manifest`);
    await page.getByRole('button', { name: `Create ${t} dataset` }).click();
    await page.getByRole('button', { name: `Delete ${t} dataset` }).waitFor();
  }
  await page.locator('#datasets .status', { hasText: 'CREATE_COMPLETE' }).nth(1).waitFor({ timeout: LONG });
  await fitsPhone('project');
});

test('dataset: grid with labels, label statistics, filters in the URL', opts, async () => {
  await page.getByRole('link', { name: 'Open train dataset' }).click();
  await page.getByRole('heading', { name: 'shapes · training dataset' }).waitFor();
  const train = data.images.filter((i) => i.split === 'train');
  const grid = page.getByRole('list', { name: 'Dataset images' });
  await grid.waitFor();
  assert.equal(await grid.locator(':scope > li').count(), train.length);
  await page.locator('#labels table tbody tr').nth(3).waitFor();
  const rows = await page.locator('#labels table tbody tr').allInnerTexts();
  const circles = train.filter((i) => i.className === 'circle').length;
  assert.ok(rows.some((r) => r.replace(/\s+/g, ' ').startsWith(`circle ${circles} 0`)), rows.join(' | '));
  await page.locator('#images img').first().waitFor();
  await shot('dataset');
  await fitsPhone('dataset');
  await page.getByLabel('Label', { exact: true }).selectOption('circle');
  await page.waitForFunction((n) => document.querySelectorAll('ul[aria-label="Dataset images"] > li').length === n, circles);
  assert.match(page.url(), /\?label=circle$/);
  const labels = await grid.locator('.chips').allInnerTexts();
  assert.ok(labels.every((l) => l.includes('circle')), labels.join(','));
  // The URL alone opens the same filtered view.
  await page.goto(page.url());
  await page.waitForFunction((n) => document.querySelectorAll('ul[aria-label="Dataset images"] > li').length === n, circles);

  // Images are fetched as they come near the screen: on a phone, the bottom of the grid waits until it is scrolled to.
  const fetched = new Set<string>();
  const onRequest = (r: Request) => { const u = new URL(r.url()); if (r.method() === 'GET' && u.pathname.startsWith('/imgs/')) fetched.add(u.pathname); };
  page.on('request', onRequest);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.url}/console/projects/shapes/datasets/train`);
  await grid.locator(':scope > li').nth(train.length - 1).waitFor();
  await page.locator('#images img').first().waitFor();
  await page.waitForTimeout(500);
  const early = fetched.size;
  assert.ok(early > 0 && early < train.length / 2, `${early} of ${train.length} images fetched before scrolling`);
  await scrollThrough();
  await page.waitForFunction((n) => document.querySelectorAll('ul[aria-label="Dataset images"] img').length === n, train.length);
  assert.equal(fetched.size, train.length, 'every image once scrolled through');
  page.off('request', onRequest);
  await page.setViewportSize({ width: 1280, height: 800 });

  // By keyboard alone: Tab reaches an image's Edit button (past the filters), Enter opens the editor with
  // the focus in it, Escape closes it.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const focused = () => page.evaluate(() => ({ text: document.activeElement?.textContent ?? '', id: document.activeElement?.id ?? '' }));
  const passed = new Set<string>();
  for (let i = 0; i < 60 && !(await focused()).text.startsWith('Edit'); i++) { await page.keyboard.press('Tab'); passed.add((await focused()).id); }
  assert.match((await focused()).text, /^Edit /, 'an Edit button is reachable with Tab');
  assert.ok(['f-label', 'f-labeled', 'f-errors', 'f-contains'].every((id) => passed.has(id)), 'the filters are reachable with Tab');
  await page.keyboard.press('Enter');
  await page.locator('.editor').waitFor();
  assert.equal((await focused()).id, 'editor-h');
  await page.keyboard.press('Escape');
  await page.locator('.editor').waitFor({ state: 'detached' });
});

test('training: the version page shows the status live until TRAINING_COMPLETED, then the evaluation', opts, async () => {
  await page.goto(`${server.url}/console/projects/shapes`);
  await page.getByLabel('Version name').fill('v1');
  await page.getByLabel('Output bucket').fill('results');
  await page.getByLabel('Output key prefix').fill('eval');
  await page.getByRole('button', { name: 'Train model' }).click();
  await page.getByRole('link', { name: 'v1', exact: true }).click();
  await page.getByRole('heading', { name: 'shapes · v1' }).waitFor();
  const seen = new Set<string>();
  for (;;) {
    const s = await statusOf('#status').innerText();
    seen.add(s);
    if (s === 'TRAINING_COMPLETED' || s === 'TRAINING_FAILED') break;
    if (s === 'TRAINING_IN_PROGRESS') {
      // "Training: epoch 2 of 3, …" and "… 12 of 20 read.": a progress bar shows the same count (one snapshot of the page).
      const now = await page.evaluate(() => ({
        status: document.querySelector('#status .status')?.textContent, message: document.querySelector('#status .status-message')?.textContent ?? '',
        bar: document.querySelector('#status progress') && [(document.querySelector('#status progress') as HTMLProgressElement).value, (document.querySelector('#status progress') as HTMLProgressElement).max],
      }));
      const count = /\b(\d+) of (\d+)\b/.exec(now.message);
      if (now.status === 'TRAINING_IN_PROGRESS' && count) {
        seen.add('progress');
        assert.deepEqual(now.bar, [Number(count[1]), Number(count[2])], now.message);
      }
      if (!seen.has('shot')) { seen.add('shot'); await shot('version-training', false); }
    }
    await page.waitForTimeout(500);
  }
  assert.ok(seen.has('TRAINING_IN_PROGRESS'), 'the page showed the training in progress before it completed');
  assert.equal(await statusOf('#status').innerText(), 'TRAINING_COMPLETED', await page.locator('.status-message').innerText());

  // The metrics table and confusion matrix agree with the evaluation file read through S3.
  const summary = JSON.parse(Buffer.from(s3object(server.url, 'results', 'eval/EvaluationResultSummary-shapes-v1.json', A).body!, 'base64').toString('utf8'));
  const metrics = page.getByRole('table', { name: 'Per-label metrics' });
  await metrics.waitFor();
  const rows = await metrics.locator('tbody tr').allInnerTexts();
  assert.equal(rows.length, summary.LabelEvaluationResults.length);
  for (const l of summary.LabelEvaluationResults) {
    const row = rows.find((r) => r.startsWith(l.Label))!.split('\t');
    assert.deepEqual(row.slice(1), [String(l.NumberOfTestingImages), `${(l.Metrics.Precision * 100).toFixed(1)}%`, `${(l.Metrics.Recall * 100).toFixed(1)}%`, l.Metrics.F1Score.toFixed(3), l.Metrics.Threshold.toFixed(3)]);
  }
  const cells = await page.getByRole('table', { name: 'Confusion matrix' }).locator('tbody td').allInnerTexts();
  assert.equal(cells.length, 16);
  const total = summary.AggregatedEvaluationResults.ConfusionMatrix.reduce((a: number, c: any) => a + c.Value, 0);
  assert.equal(cells.reduce((a, c) => a + Number(c), 0), total);
  // Test images: ground truth beside prediction, wrong ones first.
  const tests = page.getByRole('list', { name: 'Test images' }).locator(':scope > li');
  await tests.first().waitFor();
  const classes = await tests.evaluateAll((els) => els.map((e) => e.classList.contains('wrong')));
  assert.equal(classes.length, data.images.filter((i) => i.split === 'test').length);
  assert.deepEqual(classes, [...classes].sort((a, b) => Number(b) - Number(a)), 'wrong images come first');
  // Downloading an output file gives the decrypted file, byte for byte what S3 GetObject returns.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#outputs button', { hasText: 'EvaluationResultSummary-shapes-v1.json' }).click()]);
  assert.equal(download.suggestedFilename(), 'EvaluationResultSummary-shapes-v1.json');
  assert.deepEqual(JSON.parse(readFileSync((await download.path())!, 'utf8')), summary);
  const train = data.images.filter((i) => i.split === 'train').length;
  await page.locator('.facts', { hasText: `the project's training dataset · ${train} valid, 0 invalid` }).waitFor();
  await shot('version');
  await fitsPhone('version');
});

test('dataset edits: a box drawn on a detection entry is saved with UpdateDatasetEntries', opts, async () => {
  await page.goto(`${server.url}/console/projects`);
  await page.getByLabel('Project name').fill('boxes');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'boxes', exact: true }).click();
  await page.getByLabel('TRAIN manifest bucket').fill('imgs');
  await page.getByLabel('TRAIN manifest key').fill('detect.manifest');
  await page.getByRole('button', { name: 'Create TRAIN dataset' }).click();
  await page.locator('#datasets .status', { hasText: 'CREATE_COMPLETE' }).waitFor({ timeout: LONG });
  await page.goto(`${server.url}/console/projects/boxes/datasets/train`);
  const grid = page.getByRole('list', { name: 'Dataset images' });
  await grid.locator(':scope > li').nth(5).waitFor();
  await scrollThrough();
  await grid.locator('svg rect').nth(4).waitFor();
  assert.equal(await grid.locator('svg rect').count(), 5, 'one box drawn per image that loads');
  assert.match(await page.locator('.stats').innerText(), /6 images · 6 labeled · 1 labels · 1 with errors/);
  const broken = grid.locator(':scope > li.has-errors');
  assert.equal(await broken.count(), 1);
  assert.match(await broken.innerText(), /missing\.png[\s\S]*ERROR_INVALID_IMAGE/);
  assert.match(await broken.locator('.placeholder').innerText(), /NoSuchKey/, 'the S3 error of the missing image');
  await page.getByLabel('Errors', { exact: true }).selectOption('true');
  await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Dataset images"] > li').length === 1);
  await page.getByLabel('Errors', { exact: true }).selectOption('');
  await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Dataset images"] > li').length === 6);
  const boxCount = async () => Number((await page.locator('#labels table tbody tr').first().innerText()).split('\t')[2]);
  await page.locator('#labels table tbody tr').first().waitFor();
  const before = await boxCount();
  await grid.getByRole('button', { name: /^Edit/ }).first().click();
  const canvas = page.locator('.editor .boxed.large');
  await canvas.locator('img').waitFor();
  await canvas.scrollIntoViewIfNeeded();
  const r = (await canvas.boundingBox())!;
  await page.mouse.move(r.x + r.width * 0.6, r.y + r.height * 0.6);
  await page.mouse.down();
  await page.mouse.move(r.x + r.width * 0.8, r.y + r.height * 0.7, { steps: 4 });
  await page.mouse.move(r.x + r.width * 0.9, r.y + r.height * 0.9, { steps: 4 });
  await page.mouse.up();
  assert.equal(await page.locator('.editor ol.boxes li').count(), 2);
  // The keyboard way: a box typed in % of the image.
  await page.getByLabel('Box as left, top, width, height in % of the image').fill('10, 60, 25, 30');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('.editor ol.boxes li').count(), 3);
  assert.match(await page.locator('.editor ol.boxes li').nth(2).innerText(), /shape \(10%, 60%, 25×30%\)/);
  await shot('dataset-edit', false);
  await page.getByRole('button', { name: 'Save labels' }).click();
  await page.locator('.editor').waitFor({ state: 'detached' });
  await page.locator('h1 + p .status', { hasText: 'UPDATE_COMPLETE' }).waitFor({ timeout: LONG });
  await grid.locator('svg rect').nth(6).waitFor();
  assert.equal(await boxCount(), before + 2, 'BoundingBoxCount of label "shape"');
});

test('upload: images put with S3 PutObject from the browser become unlabeled entries, bytes intact', opts, async () => {
  // Into the bucket the dataset's images are in: a dataset's images must share one bucket (ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS).
  const base = (f: { path: string }) => f.path.split('/').pop()!;
  const files = [data.images[5]!, data.images.find((i) => base(i) !== base(data.images[5]!))!];
  for (const f of files) assert.equal(s3object(server.url, 'imgs', `new/${base(f)}`, A).error, 'NoSuchKey', 'not there before');
  await page.getByLabel('Bucket', { exact: true }).fill('imgs');
  await page.getByLabel('Key prefix').fill('new/');
  await page.locator('#ufiles').setInputFiles(files.map((f) => join(images, f.path)));
  await page.getByRole('button', { name: 'Upload and add' }).click();
  await page.locator('.stats', { hasText: '8 images · 6 labeled' }).waitFor({ timeout: LONG });
  // The objects are in the bucket, byte for byte the files chosen in the page (read back with boto3).
  for (const f of files) {
    const got = s3object(server.url, 'imgs', `new/${base(f)}`, A);
    assert.ok(got.body, `s3://imgs/new/${base(f)}: ${got.error}`);
    assert.ok(Buffer.from(got.body, 'base64').equals(readFileSync(join(images, f.path))), `s3://imgs/new/${base(f)} has the file's bytes`);
    assert.equal(got.headers['content-type'], /\.png$/.test(f.path) ? 'image/png' : 'image/jpeg', 'the browser\'s type of the file');
  }
  await page.getByLabel('Labeled', { exact: true }).selectOption('false');
  await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Dataset images"] > li').length === 2);
  const refs = await page.locator('ul[aria-label="Dataset images"] .ref').evaluateAll((els) => els.map((e) => e.getAttribute('title')));
  assert.deepEqual(refs.sort(), files.map((f) => `s3://imgs/new/${base(f)}`).sort());
  // The uploaded bytes come back through GetObject: both thumbnails load.
  await page.waitForFunction(() => [...document.querySelectorAll('ul[aria-label="Dataset images"] img')].filter((i) => (i as HTMLImageElement).naturalWidth > 0).length === 2);
  // Labelling an uploaded image: in a dataset with boxes the editor opens in box mode; a typed box is saved.
  await page.getByRole('list', { name: 'Dataset images' }).getByRole('button', { name: /^Edit/ }).first().click();
  assert.equal(await page.getByRole('radio', { name: 'Bounding boxes' }).isChecked(), true);
  await page.getByLabel('Box as left, top, width, height in % of the image').fill('20, 20, 50, 40');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Save labels' }).click();
  await page.locator('.editor').waitFor({ state: 'detached' });
  await page.locator('.stats', { hasText: '8 images · 7 labeled' }).waitFor({ timeout: LONG });
  await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Dataset images"] > li').length === 1);
  // A bucket the caller does not own: S3's error code and message are shown, nothing is added.
  await page.getByLabel('Bucket', { exact: true }).fill('scenes-of-b');
  await page.locator('#ufiles').setInputFiles([join(images, files[0]!.path)]);
  await page.getByRole('button', { name: 'Upload and add' }).click();
  await page.locator('#upload').getByRole('alert').filter({ hasText: 'NoSuchBucket' }).waitFor();
  assert.match(await page.locator('.stats').innerText(), /^8 images/);
});

test('policies and copy: a project policy put through the console lets another account copy the model', opts, async () => {
  await page.goto(`${server.url}/console/projects/shapes/policies`);
  await page.getByLabel('Account to allow').fill(B.accountId);
  await page.getByRole('button', { name: 'Add policy' }).click();
  await page.getByLabel('Policy name').fill('share-with-prod');
  const doc = page.getByLabel('Policy document (JSON)');
  const template = await doc.inputValue();
  assert.match(template, /"AWS": "arn:aws:iam::444455556666:root"/);
  await doc.fill(template.replace('rekognition:CopyProjectVersion', 'rekognition:DetectCustomLabels'));
  await page.locator('#polmsgs .bad', { hasText: 'rekognition:DetectCustomLabels is not supported' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save policy' }).isDisabled(), true);
  await doc.fill(template);
  await page.locator('#polmsgs .ok').waitFor();
  await shot('policy-editor');
  await page.getByRole('button', { name: 'Save policy' }).click();
  await page.getByRole('cell', { name: 'share-with-prod', exact: true }).waitFor();
  // Edit: PutProjectPolicy with the current revision; the list shows the new revision.
  const revision = () => page.getByRole('row', { name: /share-with-prod/ }).locator('code').innerText();
  const first = await revision();
  await page.getByRole('button', { name: 'Edit share-with-prod' }).click();
  assert.equal(await page.getByLabel('Policy name').isEditable(), false);
  await doc.fill((await doc.inputValue()).replace('"AllowCopy"', '"AllowProdCopy"'));
  await page.getByRole('button', { name: 'Save policy' }).click();
  await page.waitForFunction((r) => document.querySelector('#policies code')?.textContent !== r, first);
  assert.notEqual(await revision(), first);
  // Delete: a second policy comes and goes.
  await page.getByLabel('Account to allow').fill('999999999999');
  await page.getByRole('button', { name: 'Add policy' }).click();
  await page.getByLabel('Policy name').fill('temporary');
  await page.getByRole('button', { name: 'Save policy' }).click();
  await page.getByRole('cell', { name: 'temporary', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Delete temporary' }).click();
  await page.getByRole('cell', { name: 'temporary', exact: true }).waitFor({ state: 'detached' });
  await shot('policies');
  await fitsPhone('policies');

  // The owner checks, before anyone submits, that account B would be allowed.
  await page.goto(`${server.url}/console/projects/shapes/versions/v1`);
  await page.getByRole('link', { name: 'Copy this model' }).click();
  await page.getByRole('heading', { name: 'Copy model version' }).waitFor();
  const source = await page.getByLabel('Source model version ARN').inputValue();
  const sourceProject = await page.getByLabel('Source project ARN').inputValue();
  assert.match(source, /:111122223333:project\/shapes\/version\/v1\/\d+$/);
  await page.getByLabel('Check for account').fill(B.accountId);
  await page.getByRole('status').filter({ hasText: 'Allowed (account 444455556666)' }).waitFor();
  await page.getByLabel('Check for account').fill('999999999999');
  await page.getByRole('status').filter({ hasText: 'Not allowed (account 999999999999)' }).waitFor();
  await page.getByLabel('Check for account').fill(B.accountId);
  await shot('copy');
  await fitsPhone('copy');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(B);
  await page.getByLabel('Project name').fill('prod');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'prod', exact: true }).waitFor();
  await page.goto(`${server.url}/console/copy?project=${encodeURIComponent(sourceProject)}&source=${encodeURIComponent(source)}`);
  // B cannot read A's policies: the AWS error is shown, and the server decides at submit.
  await page.locator('#source').getByRole('alert').filter({ hasText: 'AccessDeniedException' }).waitFor();
  await page.getByLabel('New version name').fill('from-shapes');
  await page.getByLabel('Output bucket').fill('prod-results'); // CopyProjectVersion needs an existing bucket the caller may write
  await page.getByLabel('Output key prefix').fill('prod');
  await page.getByLabel('Tags (key=value, comma-separated)').fill('stage=prod');
  await page.getByRole('button', { name: 'Copy model' }).click();
  await page.getByRole('heading', { name: 'prod · from-shapes' }).waitFor();
  await waitForStatus('COPYING_COMPLETED');
  assert.match(await page.locator('.facts').innerText(), /Copied from\s+arn:aws:rekognition:us-east-1:111122223333:project\/shapes\/version\/v1/);
  await page.locator('#tags').getByText('stage=prod').waitFor();
});

test('running: start the copied model with inference units, try an image and see its labels with a confidence slider', opts, async () => {
  await page.getByLabel('Minimum inference units').fill('1');
  await page.getByLabel('Maximum inference units').fill('2');
  await page.getByRole('button', { name: 'Start model' }).click();
  await waitForStatus('RUNNING');
  assert.match(await page.locator('#running').innerText(), /1 min, 2 max/);
  await page.getByRole('link', { name: 'Try it' }).click();
  await page.getByRole('heading', { name: 'Try prod · from-shapes' }).waitFor();
  const img = data.images.find((i) => i.split === 'test')!;
  await page.locator('#tfile').setInputFiles(join(images, img.path));
  await page.getByRole('button', { name: 'Detect labels' }).click();
  const table = page.getByRole('table', { name: 'Detected labels' });
  await table.waitFor();
  const slider = page.getByRole('slider', { name: /Minimum confidence/ });
  await slider.fill('0');
  const all = await table.locator('tbody tr').count();
  assert.equal(all, 4, 'every label of the model at confidence 0');
  const confidences = (await table.locator('tbody tr td:nth-child(2)').allInnerTexts()).map((t) => parseFloat(t));
  assert.deepEqual(confidences, [...confidences].sort((a, b) => b - a));
  const cut = (confidences[0]! + confidences[1]!) / 2;
  await slider.fill(String(Math.ceil(cut)));
  assert.ok(await table.locator('tbody tr').count() < all, 'the slider hides labels below it');
  await shot('try-it');
  await fitsPhone('try-it');
  await page.getByRole('link', { name: 'from-shapes' }).click();
  await page.getByRole('button', { name: 'Stop model' }).click();
  await waitForStatus('STOPPED');
  assert.deepEqual(pageErrors, []);
});

test('object detection: boxes drawn on the dataset, ground truth beside prediction, and on "Try it"', opts, async () => {
  const sceneDir = tempDir('osprey-console-scenes-');
  const scenes = await writeScenes({ out: sceneDir, bucket: 'scenes', count: 20, seed: 3, classes: 1 });
  uploadFolder(sceneDir, 'scenes', B); // still signed in as B, after the copy
  await page.goto(`${server.url}/console/projects`);
  await page.getByLabel('Project name').fill('detector');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'detector', exact: true }).click();
  for (const t of ['TRAIN', 'TEST']) {
    await page.getByLabel(`${t} manifest bucket`).fill('scenes');
    await page.getByLabel(`${t} manifest key`).fill(`${t.toLowerCase()}.manifest`);
    await page.getByRole('button', { name: `Create ${t} dataset` }).click();
    await page.getByRole('button', { name: `Delete ${t} dataset` }).waitFor();
  }
  await page.locator('#datasets .status', { hasText: 'CREATE_COMPLETE' }).nth(1).waitFor({ timeout: LONG });
  await page.getByRole('link', { name: 'Open train dataset' }).click();
  const trainBoxes = scenes.filter((s) => s.split === 'train').reduce((n, s) => n + s.objects.length, 0);
  await page.locator('ul[aria-label="Dataset images"] > li').nth(scenes.filter((s) => s.split === 'train').length - 1).waitFor();
  await scrollThrough();
  await page.waitForFunction((n) => document.querySelectorAll('ul[aria-label="Dataset images"] svg rect').length === n, trainBoxes);

  await page.goto(`${server.url}/console/projects/detector`);
  await page.getByLabel('Version name').fill('d1');
  await page.getByLabel('Output bucket').fill('prod-results');
  await page.getByRole('button', { name: 'Train model' }).click();
  await page.getByRole('link', { name: 'd1', exact: true }).click();
  await waitForStatus('TRAINING_COMPLETED');
  // Test images: each shown twice, ground-truth boxes on the left, predictions on the right.
  const tests = page.getByRole('list', { name: 'Test images' }).locator(':scope > li');
  await tests.first().waitFor();
  assert.equal(await tests.count(), scenes.filter((s) => s.split === 'test').length);
  assert.equal(await tests.first().getByRole('img', { name: /ground truth$/ }).count(), 1);
  assert.equal(await tests.first().getByRole('img', { name: /prediction$/ }).count(), 1);
  await page.getByLabel('Minimum inference units').fill('1');
  await page.getByRole('button', { name: 'Start model' }).click();
  await waitForStatus('RUNNING');
  await page.getByRole('link', { name: 'Try it' }).click();
  await page.locator('#tfile').setInputFiles(join(sceneDir, scenes.find((s) => s.split === 'test')!.path));
  await page.getByRole('button', { name: 'Detect labels' }).click();
  const table = page.getByRole('table', { name: 'Detected labels' });
  await table.waitFor();
  await page.getByRole('slider', { name: /Minimum confidence/ }).fill('0');
  const rows = await table.locator('tbody tr').count();
  assert.ok(rows > 0, 'the detector finds candidates at confidence 0');
  assert.equal(await page.locator('.try svg rect').count(), rows, 'one box drawn per detected object');
  await page.getByRole('slider', { name: /Minimum confidence/ }).fill('100');
  assert.equal(await page.locator('.try svg rect').count(), 0);
  await page.getByRole('slider', { name: /Minimum confidence/ }).fill('1');
  await shot('try-it-detection', false);
  await page.getByRole('link', { name: 'd1' }).click();
  await page.getByRole('button', { name: 'Stop model' }).click();
  await waitForStatus('STOPPED');
  assert.deepEqual(pageErrors, []);
});
