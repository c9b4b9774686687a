// 100 concurrent CopyProjectVersion calls with the same VersionName: the unique index decides;
// exactly one version exists, every other caller gets ResourceInUseException.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.js';
import { boto3 } from '../helpers/clients.js';
import { DataDir } from './seed.js';

let server: TestServer;
let data: DataDir;
before(async () => { server = await startServer(); data = new DataDir(server.dataDir); });
after(async () => { data.close(); await server.stop(); server.cleanup(); });

test('100 concurrent copies with one VersionName create exactly one version', async () => {
  mkdirSync(join(server.dataDir, 'buckets', 'out'), { recursive: true });
  const [src, dst] = boto3(server.url, `out = [rek.create_project(ProjectName=n)['ProjectArn'] for n in ('csrc', 'cdst')]`);
  const source = await data.seedVersion(src, 'v1');
  const results = boto3(server.url, `
import threading
results = [None] * 100
barrier = threading.Barrier(100)
def one(i):
    c = boto3.client('rekognition', endpoint_url=V['url'], region_name='us-east-1', aws_access_key_id=V['key'], aws_secret_access_key='x', config=Config(retries={'max_attempts': 1}, max_pool_connections=100))
    barrier.wait()
    try:
        results[i] = c.copy_project_version(SourceProjectArn=V['src'], SourceProjectVersionArn=V['ver'], DestinationProjectArn=V['dst'], VersionName='same', OutputConfig={'S3Bucket': 'out'})['ProjectVersionArn']
    except botocore.exceptions.ClientError as e:
        results[i] = 'error:' + e.response['Error']['Code']
threads = [threading.Thread(target=one, args=(i,)) for i in range(100)]
for t in threads: t.start()
for t in threads: t.join()
out = results`, undefined, { src, ver: source.arn, dst });
  const ok = results.filter((r: string) => !r.startsWith('error:'));
  const errors = results.filter((r: string) => r.startsWith('error:'));
  assert.equal(ok.length, 1, JSON.stringify(results.slice(0, 5)));
  assert.deepEqual([...new Set(errors)], ['error:ResourceInUseException']);
  const rows = data.db.prepare("SELECT arn FROM versions WHERE name = 'same'").pluck().all();
  assert.deepEqual(rows, ok);
  const jobs = data.db.prepare("SELECT count(*) FROM jobs WHERE kind = 'copy-version'").pluck().get();
  assert.equal(jobs, 1, 'one job, for the one version');
});
