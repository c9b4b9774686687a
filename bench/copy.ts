// Benchmark: CopyProjectVersion → COPYING_COMPLETED (DescribeProjectVersions polled every 10 ms)
// for models of 1 MB, 100 MB and 1 GB, under the same key and re-keyed, next to `cp` of the same
// bytes on the same disk in the same run. Prints times and ratios; asserts nothing.
//   npx tsc -p tsconfig.json && node --import tsx bench/copy.ts [--sizes 1,100,1024] [--runs 3]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CopyProjectVersionCommand, CreateProjectCommand, DescribeProjectVersionsCommand, type RekognitionClient } from '@aws-sdk/client-rekognition';
import { REPO, startServer } from '../test/helpers/server.js';
import { DataDir } from '../test/copy/seed.js';
import { sdk } from '../test/copy/util.js';

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const SIZES_MB = arg('sizes', '1,100,1024').split(',').map(Number);
const RUNS = Number(arg('runs', '3'));
const A = { accessKeyId: '111122223333' };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function copyAndWait(client: RekognitionClient, src: string, ver: string, dst: string, name: string, kmsKeyId?: string): Promise<number> {
  const t0 = performance.now();
  await client.send(new CopyProjectVersionCommand({ SourceProjectArn: src, SourceProjectVersionArn: ver, DestinationProjectArn: dst, VersionName: name, OutputConfig: { S3Bucket: 'bench' }, KmsKeyId: kmsKeyId }));
  for (;;) {
    const r = await client.send(new DescribeProjectVersionsCommand({ ProjectArn: dst, VersionNames: [name] }));
    const s = r.ProjectVersionDescriptions?.[0]?.Status;
    if (s === 'COPYING_COMPLETED') return performance.now() - t0;
    if (s !== 'COPYING_IN_PROGRESS') throw new Error(`${name}: ${s} ${r.ProjectVersionDescriptions?.[0]?.StatusMessage}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

function cpTime(from: string, to: string): number {
  const t0 = performance.now();
  execFileSync('cp', [from, to]);
  const ms = performance.now() - t0;
  rmSync(to, { force: true });
  return ms;
}

async function main() {
  const server = await startServer();
  try {
    mkdirSync(join(server.dataDir, 'buckets', 'bench'), { recursive: true });
    const client = sdk(server.url, A);
    const src = (await client.send(new CreateProjectCommand({ ProjectName: 'bench-src' }))).ProjectArn!;
    const dst = (await client.send(new CreateProjectCommand({ ProjectName: 'bench-dst' }))).ProjectArn!;
    const made = spawnSync(process.execPath, [join(REPO, 'bin', 'osprey.js'), 'kms', 'create-key', '--account-id', A.accessKeyId, '--data-dir', server.dataDir], { encoding: 'utf8' });
    const otherKey = JSON.parse(made.stdout).KeyMetadata.Arn as string;
    const data = new DataDir(server.dataDir);
    const rows: string[][] = [];
    let n = 0;
    for (const mb of SIZES_MB) {
      const seeded = await data.seedVersion(src, `m${mb}`, { size: mb * 1024 * 1024 });
      const blob = join(server.dataDir, 'blobs', seeded.sha256.slice(0, 2), seeded.sha256);
      const sameKey = seeded.record.detail.modelEncryption!.keyArn;
      const t = { same: [] as number[], rekeyed: [] as number[], cp: [] as number[] };
      for (let r = 0; r < RUNS; r++) {
        t.same.push(await copyAndWait(client, src, seeded.arn, dst, `s${n++}`, sameKey));
        t.rekeyed.push(await copyAndWait(client, src, seeded.arn, dst, `r${n++}`, otherKey));
        t.cp.push(cpTime(blob, join(server.dataDir, `cp-${n}`)));
      }
      const [same, rekeyed, cp] = [median(t.same), median(t.rekeyed), median(t.cp)];
      rows.push([`${mb} MB`, same.toFixed(1), rekeyed.toFixed(1), cp.toFixed(1), (same / cp).toFixed(3), (rekeyed / cp).toFixed(3)]);
    }
    data.close();
    const head = ['model', 'copy same key ms', 'copy re-keyed ms', 'cp ms', 'same/cp', 're-keyed/cp'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
    console.log(`CopyProjectVersion → COPYING_COMPLETED (poll 10 ms), median of ${RUNS}, vs cp of the model blob on the same disk`);
    console.log(line(head));
    for (const r of rows) console.log(line(r));
    const first = Number(rows[0][1]), last = Number(rows[rows.length - 1][1]);
    console.log(`copy time ratio ${rows[rows.length - 1][0]} / ${rows[0][0]}: ${(last / first).toFixed(2)} (1.00 = independent of model size)`);
  } finally {
    await server.stop();
    server.cleanup();
  }
}

await main();
