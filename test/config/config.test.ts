// Server settings: flags over OSPREY_* variables over the config file over the defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULTS, loadConfig, nodeIdentity, parseServeArgs } from '../../src/config.js';
import { tempDir } from '../helpers/tmp.js';

test('flags win over environment variables, which win over the file, which wins over the defaults', () => {
  const file = join(tempDir('osprey-config-'), 'c.yaml');
  writeFileSync(file, 'port: 7001\nregion: eu-west-1\nworkers: 3\nlogLevel: warn\n');
  const config = loadConfig(parseServeArgs(['--config', file, '--port=7003']), { OSPREY_PORT: '7002', OSPREY_WORKERS: '2' });
  assert.equal(config.port, 7003);
  assert.equal(config.workers, 2);
  assert.equal(config.region, 'eu-west-1');
  assert.equal(config.logLevel, 'warn');
  assert.equal(config.host, DEFAULTS.host);
});

test('--workers: 1 by default, a count, or auto (one per CPU); anything else is refused', () => {
  assert.equal(loadConfig({}, {}).workers, 1);
  assert.equal(loadConfig(parseServeArgs(['--workers', '4']), {}).workers, 4);
  assert.equal(loadConfig(parseServeArgs(['--workers', 'auto']), {}).workers, availableParallelism());
  assert.equal(loadConfig({}, { OSPREY_WORKERS: 'auto' }).workers, availableParallelism());
  for (const bad of ['0', '-1', '1.5', 'many']) {
    assert.throws(() => loadConfig(parseServeArgs(['--workers', bad]), {}), ConfigError, bad);
  }
});

test('unknown options and options without a value are refused', () => {
  assert.throws(() => parseServeArgs(['--wrokers', '2']), /unknown option --wrokers/);
  assert.throws(() => parseServeArgs(['--workers']), /needs a value/);
});

test('--database-url / OSPREY_DATABASE_URL: absent by default (SQLite); a postgres URL; anything else refused without the password', () => {
  assert.equal(loadConfig({}, {}).databaseUrl, undefined);
  assert.equal(loadConfig({}, {}).databasePoolSize, 10);
  const url = 'postgres://osprey:s3cret@db:5432/osprey';
  assert.equal(loadConfig(parseServeArgs(['--database-url', url]), {}).databaseUrl, url);
  assert.equal(loadConfig({}, { OSPREY_DATABASE_URL: url, OSPREY_DATABASE_POOL_SIZE: '25' }).databasePoolSize, 25);
  assert.equal(loadConfig({}, { OSPREY_DATABASE_URL: url }).databaseUrl, url);
  assert.throws(() => loadConfig({}, { OSPREY_DATABASE_URL: 'mysql://u:hidden@h/db' }), (e: Error) =>
    e instanceof ConfigError && /postgres/.test(e.message) && !e.message.includes('hidden'));
  assert.throws(() => loadConfig(parseServeArgs(['--database-pool-size', '0']), {}), ConfigError);
});

test('S3 settings: absent by default (embedded store); endpoint, region, static keys and model bucket from flags or OSPREY_S3_*', () => {
  const d = loadConfig({}, {});
  assert.equal(d.s3EndpointUrl, undefined);
  assert.equal(d.modelBucket, 'osprey-models');
  const c = loadConfig(parseServeArgs(['--s3-endpoint-url', 'http://127.0.0.1:9000', '--model-bucket=team-models', '--s3-region', 'eu-west-1']), {
    OSPREY_S3_ACCESS_KEY_ID: 'AKIAEXAMPLE', OSPREY_S3_SECRET_ACCESS_KEY: 'secret', OSPREY_MODEL_BUCKET: 'ignored-by-the-flag',
  });
  assert.equal(c.s3EndpointUrl, 'http://127.0.0.1:9000');
  assert.equal(c.modelBucket, 'team-models');
  assert.equal(c.s3Region, 'eu-west-1');
  assert.equal(c.s3AccessKeyId, 'AKIAEXAMPLE');
  assert.equal(c.s3SecretAccessKey, 'secret');
  assert.equal(loadConfig({}, { OSPREY_S3_ENDPOINT_URL: 'https://s3.us-east-1.amazonaws.com', OSPREY_MODEL_BUCKET: 'm-1' }).modelBucket, 'm-1');
});

test('S3 settings that cannot work are refused at start, without echoing a secret', () => {
  for (const bad of ['ftp://host', 'not a url', 'http://user:hidden@host:9000']) {
    assert.throws(() => loadConfig({}, { OSPREY_S3_ENDPOINT_URL: bad }), (e: Error) => e instanceof ConfigError && /s3EndpointUrl/.test(e.message) && !e.message.includes('hidden'), bad);
  }
  assert.throws(() => loadConfig({}, { OSPREY_S3_ACCESS_KEY_ID: 'AKIAEXAMPLE' }), /go together/);
  assert.throws(() => loadConfig({}, { OSPREY_S3_SECRET_ACCESS_KEY: 'x' }), /go together/);
  for (const bad of ['UPPER', 'ab', 'a..b', 'bucket_', '192.168.0.1']) {
    assert.throws(() => loadConfig(parseServeArgs(['--model-bucket', bad]), {}), /modelBucket/, bad);
  }
});

test('--node-id / --advertise-url: defaults from host name and port; checked; environment variables', () => {
  const d = loadConfig({}, {});
  assert.equal(d.nodeId, undefined);
  assert.deepEqual(nodeIdentity(d, 4751), { nodeId: `${hostname()}:4751`, advertiseUrl: 'http://127.0.0.1:4751' });
  assert.deepEqual(nodeIdentity({ ...d, host: '0.0.0.0' }, 80), { nodeId: `${hostname()}:80`, advertiseUrl: `http://${hostname()}:80` });
  assert.equal(nodeIdentity({ ...d, host: '::1' }, 80).advertiseUrl, 'http://[::1]:80');
  const set = loadConfig(parseServeArgs(['--node-id', 'node-a.zone1', '--advertise-url', 'https://10.0.0.5:4750/']), {});
  assert.deepEqual(nodeIdentity(set, 1), { nodeId: 'node-a.zone1', advertiseUrl: 'https://10.0.0.5:4750' });
  const env = loadConfig({}, { OSPREY_NODE_ID: 'n2', OSPREY_ADVERTISE_URL: 'http://osprey-2:4750' });
  assert.deepEqual([env.nodeId, env.advertiseUrl], ['n2', 'http://osprey-2:4750']);
  for (const bad of ['', 'has space', 'x'.repeat(129), 'a/b']) assert.throws(() => loadConfig({ nodeId: bad }, {}), ConfigError, bad);
  for (const bad of ['ftp://h', 'not a url', 'http://u:p@h:1', 'http://h:1/path', 'http://h?x=1']) assert.throws(() => loadConfig({ advertiseUrl: bad }, {}), ConfigError, bad);
});
