import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateInput } from '../../src/protocol/validate.js';
import { ServiceError } from '../../src/protocol/errors.js';

function fails(shape: string, input: unknown, code: string, pattern?: RegExp) {
  assert.throws(() => validateInput(shape, input), (e: unknown) => {
    assert.ok(e instanceof ServiceError);
    assert.equal(e.code, code);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

const A = 'arn:aws:rekognition:us-east-1:111122223333:project/p/1690405809285';
const V = 'arn:aws:rekognition:us-east-1:111122223333:project/p/version/v1/1690556751958';

test('required members are reported as null with their camelCase path', () => {
  fails('CreateProjectRequest', {}, 'ValidationException', /^1 validation error detected: Value null at 'projectName' failed to satisfy constraint: Member must not be null$/);
});

test('all violations are listed together', () => {
  fails('CopyProjectVersionRequest', { SourceProjectArn: 'x', VersionName: '', OutputConfig: { S3Bucket: 'ab' } }, 'ValidationException', /^7 validation errors detected: /);
});

test('ranges, lengths, patterns and enums', () => {
  fails('DescribeProjectsRequest', { MaxResults: 1000 }, 'ValidationException', /Value '1000' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100/);
  fails('CreateProjectRequest', { ProjectName: 'a b' }, 'ValidationException', /regular expression pattern/);
  fails('CreateProjectRequest', { ProjectName: 'x'.repeat(256) }, 'ValidationException', /length less than or equal to 255/);
  fails('CreateProjectRequest', { ProjectName: 'p', Feature: 'NOPE' }, 'ValidationException', /enum value set: \[CONTENT_MODERATION, CUSTOM_LABELS\]/);
  fails('DetectCustomLabelsRequest', { ProjectVersionArn: V, Image: {}, MinConfidence: 101 }, 'ValidationException', /minConfidence/);
});

test('tag keys: aws: prefix and unicode letters', () => {
  fails('TagResourceRequest', { ResourceArn: A, Tags: { 'aws:x': 'v' } }, 'ValidationException', /tags.key/);
  const ok = validateInput('TagResourceRequest', { ResourceArn: A, Tags: { 'Ünïcode key': 'välue' } });
  assert.deepEqual(ok.Tags, { 'Ünïcode key': 'välue' });
  fails('TagResourceRequest', { ResourceArn: A, Tags: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, 'v'])) }, 'ValidationException', /length less than or equal to 200/);
});

test('wrong JSON types are SerializationException', () => {
  fails('CreateProjectRequest', { ProjectName: 5 }, 'SerializationException');
  fails('DescribeProjectsRequest', { MaxResults: '5' }, 'SerializationException');
  fails('DescribeProjectsRequest', { MaxResults: 1.5 }, 'SerializationException');
  fails('DescribeProjectsRequest', { ProjectNames: 'p' }, 'SerializationException');
  fails('DescribeProjectsRequest', [], 'SerializationException');
  fails('DetectCustomLabelsRequest', { ProjectVersionArn: V, Image: { Bytes: '***' } }, 'SerializationException');
});

test('blobs are decoded, unknown members and nulls dropped', () => {
  const out = validateInput('DetectCustomLabelsRequest', { ProjectVersionArn: V, Image: { Bytes: Buffer.from('hello').toString('base64') }, Bogus: 1, MaxResults: null });
  assert.ok(Buffer.isBuffer((out.Image as any).Bytes));
  assert.equal((out.Image as any).Bytes.toString(), 'hello');
  assert.ok(!('Bogus' in out));
  assert.ok(!('MaxResults' in out));
});

test('valid input passes unchanged', () => {
  const input = { SourceProjectArn: A, SourceProjectVersionArn: V, DestinationProjectArn: A, VersionName: 'v2', OutputConfig: { S3Bucket: 'bucket', S3KeyPrefix: 'p' }, Tags: { a: 'b' }, KmsKeyId: 'alias/k' };
  assert.deepEqual(validateInput('CopyProjectVersionRequest', input), input);
});

test('multi-megabyte blobs validate without blowing the stack', () => {
  const big = Buffer.alloc(6 * 1024 * 1024, 7).toString('base64');
  fails('DetectCustomLabelsRequest', { ProjectVersionArn: V, Image: { Bytes: big } }, 'ValidationException', /length less than or equal to 5242880/);
  fails('DetectCustomLabelsRequest', { ProjectVersionArn: V, Image: { Bytes: 'ab=c' } }, 'SerializationException');
});
