// Real clients nobody here wrote: the installed `aws` CLI (v1) and boto3, run as subprocesses.
import { spawnSync } from 'node:child_process';

export interface Creds { accessKeyId: string; secretAccessKey?: string; region?: string }

export const ACCOUNT_A: Creds = { accessKeyId: '111122223333', secretAccessKey: 'secret-a' };
export const ACCOUNT_B: Creds = { accessKeyId: '444455556666', secretAccessKey: 'secret-b' };

function awsEnv(creds: Creds): NodeJS.ProcessEnv {
  return {
    ...process.env, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey ?? 'x',
    AWS_DEFAULT_REGION: creds.region ?? 'us-east-1', AWS_REGION: creds.region ?? 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '',
  };
}

/** Runs `aws rekognition …` (v1 on PATH); returns exit code, stdout, stderr and parsed JSON when any. */
export function aws(url: string, args: string[], creds: Creds = ACCOUNT_A) {
  const r = spawnSync('aws', ['--endpoint-url', url, 'rekognition', ...args], { env: awsEnv(creds), encoding: 'utf8' });
  let json: any;
  try { json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined; } catch { json = undefined; }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

/**
 * Runs a Python snippet with a boto3 client `rek` bound to the server; the snippet sets `out`,
 * which comes back as JSON. Exceptions come back as {"error": code, "message": …}.
 */
export function boto3(url: string, snippet: string, creds: Creds = ACCOUNT_A, vars: Record<string, unknown> = {}) {
  const program = `
import json, sys, boto3, botocore
from botocore.config import Config
V = json.loads(sys.argv[1])
rek = boto3.client('rekognition', endpoint_url=V['url'], region_name=V['region'], aws_access_key_id=V['key'], aws_secret_access_key=V['secret'], config=Config(retries={'max_attempts': 1}))
out = None
try:
${snippet.split('\n').map((l) => '    ' + l).join('\n')}
except botocore.exceptions.ClientError as e:
    out = {'error': e.response['Error']['Code'], 'message': e.response['Error'].get('Message'), 'status': e.response['ResponseMetadata'].get('HTTPStatusCode')}
print(json.dumps(out, default=str))
`;
  const r = spawnSync('python3', ['-c', program, JSON.stringify({ url, region: creds.region ?? 'us-east-1', key: creds.accessKeyId, secret: creds.secretAccessKey ?? 'x', ...vars })], { encoding: 'utf8', env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' } });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** `aws s3 cp s3://bucket/key -` (v1) against the server's S3 object route; stdout is the object. */
export function s3cp(url: string, bucket: string, key: string, creds: Creds = ACCOUNT_A) {
  const r = spawnSync('aws', ['--endpoint-url', url, 's3', 'cp', `s3://${bucket}/${key}`, '-'], { env: awsEnv(creds), encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/**
 * boto3 `get_object` (or `head_object`, or a ranged get) on the S3 object route. Returns
 * {body (base64), headers, status} or {error, message, status}.
 */
export function s3object(url: string, bucket: string, key: string, creds: Creds = ACCOUNT_A, opts: { head?: boolean; range?: string } = {}) {
  const program = `
import base64, json, sys, boto3, botocore
from botocore.config import Config
V = json.loads(sys.argv[1])
s3 = boto3.client('s3', endpoint_url=V['url'], region_name=V['region'], aws_access_key_id=V['key'], aws_secret_access_key=V['secret'], config=Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'}))
try:
    if V['head']:
        r = s3.head_object(Bucket=V['bucket'], Key=V['object'])
        out = {'length': r['ContentLength']}
    else:
        args = {'Range': V['range']} if V['range'] else {}
        r = s3.get_object(Bucket=V['bucket'], Key=V['object'], **args)
        out = {'body': base64.b64encode(r['Body'].read()).decode(), 'length': r['ContentLength']}
    out['status'] = r['ResponseMetadata']['HTTPStatusCode']
    out['headers'] = r['ResponseMetadata']['HTTPHeaders']
except botocore.exceptions.ClientError as e:
    out = {'error': e.response['Error']['Code'], 'message': e.response['Error'].get('Message'), 'status': e.response['ResponseMetadata'].get('HTTPStatusCode')}
print(json.dumps(out))
`;
  const vars = { url, region: creds.region ?? 'us-east-1', key: creds.accessKeyId, secret: creds.secretAccessKey ?? 'x', bucket, object: key, head: !!opts.head, range: opts.range ?? null };
  const r = spawnSync('python3', ['-c', program, JSON.stringify(vars)], { encoding: 'utf8', env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' } });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { ...out, body: out.body === undefined ? undefined : Buffer.from(out.body, 'base64') } as {
    body?: Buffer; length?: number; status: number; headers?: Record<string, string>; error?: string; message?: string;
  };
}

/** Runs `aws s3 …` or `aws s3api …` (v1 on PATH) against the server. */
export function awsS3(url: string, args: string[], creds: Creds = ACCOUNT_A) {
  const r = spawnSync('aws', ['--endpoint-url', url, ...args], { env: awsEnv(creds), encoding: 'utf8' });
  let json: any;
  try { json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined; } catch { json = undefined; }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

/** `aws s3 mb` that must succeed. */
export function makeBucket(url: string, bucket: string, creds: Creds = ACCOUNT_A): void {
  const r = awsS3(url, ['s3', 'mb', `s3://${bucket}`], creds);
  if (r.code !== 0) throw new Error(`aws s3 mb s3://${bucket} failed: ${r.stderr}`);
}

/** Runs a Python snippet with a boto3 S3 client `s3` (path-style) bound to the server; the snippet sets `out`. */
export function boto3Script(url: string, snippet: string, creds: Creds = ACCOUNT_A) {
  const program = `
import json, sys, boto3, botocore
from botocore.config import Config
V = json.loads(sys.argv[1])
s3 = boto3.client('s3', endpoint_url=V['url'], region_name='us-east-1', aws_access_key_id=V['key'], aws_secret_access_key=V['secret'], config=Config(retries={'max_attempts': 1}, s3={'addressing_style': 'path'}))
out = None
${snippet}
print(json.dumps(out, default=str))
`;
  const r = spawnSync('python3', ['-c', program, JSON.stringify({ url, key: creds.accessKeyId, secret: creds.secretAccessKey ?? 'x' })], { encoding: 'utf8', env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' } });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}
