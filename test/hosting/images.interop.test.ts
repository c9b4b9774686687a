// Every image mistake is an AWS-shaped 4xx (boto3 and the aws CLI), never a 5xx.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { ACCOUNT_A, ACCOUNT_B, aws, awsS3, boto3 } from '../helpers/clients.js';
import { BUCKET, largeJpeg } from './fixtures.js';
import { seededServer, waitStatus, type Fixture } from './util.js';

let f: Fixture;
let arn: string;
let dir: string;

const solid = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 40, b: 40 } } });

before(async () => {
  f = await seededServer();
  arn = f.seeded.versionArn;
  dir = join(f.server.dataDir, 'buckets', BUCKET, 'bad');
  mkdirSync(dir, { recursive: true });
  const jpeg = await largeJpeg(f.sample);
  const files: Record<string, Buffer> = {
    'text.jpg': Buffer.from('this is not an image, whatever its name says\n'.repeat(10)),
    'image.gif': await solid(100, 100).gif().toBuffer(),
    'truncated.jpg': jpeg.subarray(0, Math.floor(jpeg.length * 0.6)),
    'tiny.png': await solid(10, 10).png().toBuffer(),
    'narrow.png': await solid(1344, 64).png().toBuffer(),
    'huge.png': await solid(4200, 300).png().toBuffer(),
    // Incompressible noise: a real PNG between the 4 MiB bytes limit and the 5 MiB model maximum.
    'noise.png': await sharp(randomBytes(1210 * 1210 * 3), { raw: { width: 1210, height: 1210, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer(),
    'over15.jpg': Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(15 * 1024 * 1024 + 10)]),
    'good.jpg': jpeg,
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  assert.ok(files['noise.png'].length > 4 * 1024 * 1024 && files['noise.png'].length < 5 * 1024 * 1024);
  assert.equal(aws(f.server.url, ['start-project-version', '--project-version-arn', arn, '--min-inference-units', '1']).code, 0);
  assert.equal((await waitStatus(f.server.url, f.seeded.projectArn, arn, ['RUNNING', 'FAILED'])).Status, 'RUNNING');
});
after(async () => { await f.server.stop(); f.server.cleanup(); });

/** Detects each file as bytes and as an S3 object; returns {name: [bytesResult, s3Result]}. */
function detectAll(names: string[], s3Only: string[] = []) {
  return boto3(f.server.url, `
out = {}
def call(image):
    try:
        r = rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image=image, MinConfidence=0)
        return {'labels': len(r['CustomLabels'])}
    except botocore.exceptions.ClientError as e:
        return {'error': e.response['Error']['Code'], 'status': e.response['ResponseMetadata']['HTTPStatusCode'], 'message': e.response['Error'].get('Message')}
for n in V['names']:
    with open(V['dir'] + '/' + n, 'rb') as fh:
        data = fh.read()
    out[n] = [call({'Bytes': data}) if n not in V['s3only'] else None, call({'S3Object': {'Bucket': V['bucket'], 'Name': 'bad/' + n}})]`,
  ACCOUNT_A, { arn, names, dir, bucket: BUCKET, s3only: s3Only });
}

test('format, corruption, dimensions and size errors, as bytes and as S3 objects', () => {
  const r = detectAll(['text.jpg', 'image.gif', 'truncated.jpg', 'tiny.png', 'narrow.png', 'huge.png', 'noise.png', 'over15.jpg', 'good.jpg'], ['noise.png', 'over15.jpg']);
  const code = (name: string, i: number) => r[name][i]?.error;
  for (const i of [0, 1]) {
    assert.equal(code('text.jpg', i), 'InvalidImageFormatException');
    assert.equal(code('image.gif', i), 'InvalidImageFormatException');
    assert.equal(code('truncated.jpg', i), 'InvalidImageFormatException', JSON.stringify(r['truncated.jpg']));
    assert.equal(code('tiny.png', i), 'InvalidParameterException');
    assert.equal(code('narrow.png', i), 'InvalidParameterException');
    assert.equal(code('huge.png', i), 'ImageTooLargeException');
    assert.deepEqual(r['good.jpg'][i], { labels: 4 });
  }
  assert.deepEqual(r['noise.png'][1], { labels: 4 }, 'a 4.4 MB image is fine from S3 (15 MB limit)');
  assert.equal(code('over15.jpg', 1), 'ImageTooLargeException');
  for (const [name, results] of Object.entries(r) as [string, ({ status?: number } | null)[]][]) {
    for (const x of results) if (x?.status) assert.equal(x.status, 400, `${name}: ${JSON.stringify(x)}`);
  }
});

test('a missing S3 object or bucket is InvalidS3ObjectException (aws CLI and boto3)', () => {
  const cli = aws(f.server.url, ['detect-custom-labels', '--project-version-arn', arn, '--image', `S3Object={Bucket=${BUCKET},Name=nope/missing.jpg}`]);
  assert.notEqual(cli.code, 0);
  assert.match(cli.stderr, /InvalidS3ObjectException/);
  const r = boto3(f.server.url, `out = rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image={'S3Object': {'Bucket': 'no-such-bucket', 'Name': 'a.jpg'}})`, ACCOUNT_A, { arn });
  assert.equal(r.error, 'InvalidS3ObjectException');
  assert.equal(r.status, 400);
  // An object Osprey holds, named with a version the bucket does not keep (only "null" exists).
  const versioned = (Version: string) => boto3(f.server.url, `out = rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image={'S3Object': {'Bucket': V['bucket'], 'Name': 'bad/good.jpg', 'Version': V['version']}})`, ACCOUNT_A, { arn, bucket: BUCKET, version: Version });
  assert.equal(versioned('3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY').error, 'InvalidS3ObjectException');
  assert.ok(Array.isArray(versioned('null').CustomLabels), 'the "null" version is the object');
});

test('Image with both or neither of Bytes and S3Object is InvalidParameterException', () => {
  const r = boto3(f.server.url, `
out = {}
for k, img in [('both', {'Bytes': b'\\xff\\xd8\\xff\\xe0', 'S3Object': {'Bucket': V['bucket'], 'Name': 'bad/good.jpg'}}), ('neither', {})]:
    try:
        rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image=img)
    except botocore.exceptions.ClientError as e:
        out[k] = e.response['Error']['Code']
`, ACCOUNT_A, { arn, bucket: BUCKET });
  assert.deepEqual(r, { both: 'InvalidParameterException', neither: 'InvalidParameterException' });
});

test('over 4 MB as bytes is ImageTooLargeException; over 5 MiB is a ValidationException', () => {
  const r = detectAll(['noise.png']);
  assert.equal(r['noise.png'][0]?.error, 'ImageTooLargeException');
  const over5 = boto3(f.server.url, `out = rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image={'Bytes': b'\\xff\\xd8\\xff' + bytes(5 * 1024 * 1024)})`, ACCOUNT_A, { arn });
  assert.equal(over5.error, 'ValidationException');
});

test('an S3Object of another account is read with the caller\'s rights: refused, granted by a bucket policy, a Deny wins', () => {
  const bucket = 'b-private-images';
  const s3 = (args: string[], creds = ACCOUNT_B) => { const r = awsS3(f.server.url, args, creds); assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`); };
  s3(['s3', 'mb', `s3://${bucket}`]);
  s3(['s3', 'cp', join(dir, 'good.jpg'), `s3://${bucket}/img/good.jpg`]);
  const detect = () => boto3(f.server.url, `
try:
    out = {'labels': len(rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image={'S3Object': {'Bucket': V['bucket'], 'Name': 'img/good.jpg'}})['CustomLabels'])}
except botocore.exceptions.ClientError as e:
    out = {'error': e.response['Error']['Code']}`, ACCOUNT_A, { arn, bucket });
  assert.deepEqual(detect(), { error: 'InvalidS3ObjectException' });
  const grant = { Effect: 'Allow', Principal: { AWS: ACCOUNT_A.accessKeyId }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/img/*` };
  const put = (statements: unknown[]) => s3(['s3api', 'put-bucket-policy', '--bucket', bucket, '--policy', JSON.stringify({ Version: '2012-10-17', Statement: statements })]);
  put([grant]);
  assert.ok(typeof detect().labels === 'number', 'granted: the image is read');
  put([grant, { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }]);
  assert.deepEqual(detect(), { error: 'InvalidS3ObjectException' });
});
