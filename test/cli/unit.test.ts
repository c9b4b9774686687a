// Unit tests for the client-side pieces: shorthand, Python-compatible JSON, validation,
// formatters, configuration, skeletons and argument parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseShorthand } from '../../src/cli/shorthand.js';
import { parsePyJson, dumpPyJson, pyFloatRepr, pyRepr } from '../../src/cli/pyjson.js';
import { validateInput } from '../../src/cli/validate.js';
import { formatText } from '../../src/cli/format/text.js';
import { formatYaml } from '../../src/cli/format/yaml.js';
import { formatTable } from '../../src/cli/format/table.js';
import { isoTimestamp } from '../../src/cli/format/shape-output.js';
import { resolveConfig, staticCredentials, parseIni, DEFAULT_ENDPOINT } from '../../src/cli/config.js';
import { jsonInputSkeleton, yamlInputSkeleton } from '../../src/cli/skeleton.js';
import { parseGlobals } from '../../src/cli/argv.js';
import { pyB64Decode } from '../../src/cli/params.js';
import { encodeToken, decodeToken } from '../../src/cli/paginate.js';
import { runRekognitionCli } from '../../src/cli/index.js';
import { tempDir } from '../helpers/tmp.js';

const sh = (s: string) => parseShorthand(s, { era: 'C', allowAtEquals: true });
const shErr = (s: string) => { try { sh(s); } catch (e) { return (e as Error).message; } return 'no error'; };

test('shorthand: structures, maps, lists, quoting', () => {
  assert.deepEqual(sh('S3Bucket=b1,S3KeyPrefix=p/q'), { S3Bucket: 'b1', S3KeyPrefix: 'p/q' });
  assert.deepEqual(sh('S3Bucket = bucket , S3KeyPrefix = p '), { S3Bucket: 'bucket', S3KeyPrefix: 'p' });
  assert.deepEqual(sh('S3KeyPrefix="a,b"'), { S3KeyPrefix: 'a,b' });
  assert.deepEqual(sh('S3KeyPrefix=a\\,b'), { S3KeyPrefix: 'a,b' });
  assert.deepEqual(sh('Prefix=a,b'), { Prefix: ['a', 'b'] });
  assert.deepEqual(sh('Prefix=a,b,K2=c'), { Prefix: ['a', 'b'], K2: 'c' });
  assert.deepEqual(sh('k=a=b'), { k: 'a=b' });
  assert.deepEqual(sh('k='), { k: '' });
  assert.deepEqual(sh('k=[a,b]'), { k: ['a', 'b'] });
  assert.deepEqual(sh('k={a=b,c=[d]}'), { k: { a: 'b', c: ['d'] } });
  assert.deepEqual(sh("k='a\\'b'"), { k: "a'b" });
});

test('shorthand: error messages', () => {
  assert.equal(shErr('S3Bucket'), "Expected: '=', received: 'EOF' for input:\n S3Bucket\n        ^");
  assert.equal(shErr('my key=v'), "Expected: '=', received: 'k' for input:\n my key=v\n   ^");
  assert.match(shErr('S3Bucket=bucket,'), /Expected: '<second>', received: '<none>'/);
  assert.match(shErr('S3Bucket==x'), /Expected: ',', received: '='/);
  assert.match(shErr('S3Bucket="bucket'), /Expected: '<double quoted>', received: '<none>'/);
  assert.equal(shErr('S3Bucket=b1,S3Bucket=b2'), 'Second instance of key "S3Bucket" encountered for input:\nS3Bucket=b1,S3Bucket=b2\n            ^\nThis is often because there is a preceding "," instead of a space.');
  assert.match(parseShorthandEraA('k1@=x'), /Expected: '=', received: '@' for input:\nk1@=x\n  \^/);
});

function parseShorthandEraA(s: string): string {
  try { parseShorthand(s, { era: 'A', allowAtEquals: false }); } catch (e) { return (e as Error).message; }
  return 'no error';
}

test('python number model', () => {
  const v = parsePyJson('{"a": 1.7E9, "b": 100, "c": 1e-05, "d": 0.30000000000000004, "e": 1.2345678901234567e+19, "f": 95.0}');
  assert.equal(dumpPyJson(v), '{\n    "a": 1700000000.0,\n    "b": 100,\n    "c": 1e-05,\n    "d": 0.30000000000000004,\n    "e": 1.2345678901234567e+19,\n    "f": 95.0\n}');
  assert.equal(pyFloatRepr(1e16), '1e+16');
  assert.equal(pyFloatRepr(123.456), '123.456');
  assert.equal(pyFloatRepr(0.0001), '0.0001');
  assert.equal(pyRepr(['a', 'b']), "['a', 'b']");
  assert.equal(pyRepr(new Uint8Array(Buffer.from('hello world'))), "b'hello world'");
  assert.throws(() => parsePyJson('{"S3Bucket":'), /Expecting value: line 1 column 13 \(char 12\)/);
});

test('validation messages', () => {
  assert.deepEqual(validateInput({ SourceProjectArn: 'x', Bogus: 1 }, 'CopyProjectVersionRequest'), [
    'Missing required parameter in input: "SourceProjectVersionArn"',
    'Missing required parameter in input: "DestinationProjectArn"',
    'Missing required parameter in input: "VersionName"',
    'Missing required parameter in input: "OutputConfig"',
    'Unknown parameter in input: "Bogus", must be one of: SourceProjectArn, SourceProjectVersionArn, DestinationProjectArn, VersionName, OutputConfig, Tags, KmsKeyId',
    'Invalid length for parameter SourceProjectArn, value: 1, valid min length: 20',
  ]);
  assert.deepEqual(validateInput({ ProjectVersionArn: 'x'.repeat(20), MinInferenceUnits: 0 }, 'StartProjectVersionRequest'),
    ['Invalid value for parameter MinInferenceUnits, value: 0, valid min value: 1']);
});

test('timestamps like datetime.isoformat()', () => {
  assert.equal(isoTimestamp(1600000000.123), '2020-09-13T12:26:40.123000+00:00');
  assert.equal(isoTimestamp(1600000100), '2020-09-13T12:28:20+00:00');
});

test('text formatter', () => {
  assert.equal(formatText({ Tags: { b: '2', a: '1' } }), 'TAGS\t1\t2\n');
  assert.equal(formatText({ L: [{ a: 1, b: true }, { a: 2, c: null }] }), 'L\t1\tTrue\t\nL\t2\t\tNone\n');
  assert.equal(formatText(['x', 'y']), 'x\ty\n');
  assert.equal(formatText(null), 'None\n');
});

test('yaml formatter', () => {
  assert.equal(formatYaml({ Tags: { b: '2', a: '1' } }), "Tags:\n  a: '1'\n  b: '2'\n");
  assert.equal(formatYaml({ L: [{ T: '2020-09-13T12:26:40+00:00', S: 'yes', N: 'null' }], E: [], M: {} }),
    "E: []\nL:\n- N: 'null'\n  S: yes\n  T: '2020-09-13T12:26:40+00:00'\nM: {}\n");
  assert.equal(formatYaml('CREATED'), '"CREATED"\n');
  assert.equal(formatYaml({ m: 'CLIENT_ERROR: x' }), "m: 'CLIENT_ERROR: x'\n");
});

test('table formatter', () => {
  assert.equal(formatTable('ListTagsForResource', { Tags: {} }, 80, { color: false }),
    '---------------------\n|ListTagsForResource|\n+-------------------+\n');
  const t = formatTable('ListTagsForResource', { Tags: { a: '1', b: '2' } }, 80, { color: false });
  assert.match(t, /\|\|   a   \|    b    \|\|\n/);
});

test('configuration precedence', () => {
  const d = tempDir('osprey-cfg-');
  writeFileSync(join(d, 'config'), '[default]\nregion = eu-west-1\noutput = text\n[profile dev]\nregion = us-west-2\nendpoint_url = http://127.0.0.1:1/profile\naws_access_key_id = CFGKEY\naws_secret_access_key = s\n');
  writeFileSync(join(d, 'credentials'), '[dev]\naws_access_key_id = FILEKEY\naws_secret_access_key = s\n');
  const env = { HOME: d, AWS_CONFIG_FILE: join(d, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(d, 'credentials'), AWS_ACCESS_KEY_ID: 'ENVKEY', AWS_SECRET_ACCESS_KEY: 'x' };
  const def = resolveConfig({}, env);
  assert.equal(def.region, 'eu-west-1');
  assert.equal(def.output, 'text');
  assert.equal(def.endpoint, DEFAULT_ENDPOINT);
  assert.equal(staticCredentials(def, false)?.accessKeyId, 'ENVKEY');
  const dev = resolveConfig({ profile: 'dev' }, env);
  assert.equal(dev.region, 'us-west-2');
  assert.equal(dev.endpoint, 'http://127.0.0.1:1/profile');
  assert.equal(staticCredentials(dev, true)?.accessKeyId, 'FILEKEY'); // --profile skips env keys
  assert.equal(resolveConfig({}, { ...env, AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'x' }).region, 'ap-south-1');
  assert.equal(resolveConfig({}, { ...env, AWS_ENDPOINT_URL: 'http://g', AWS_ENDPOINT_URL_REKOGNITION: 'http://s' }).endpoint, 'http://s');
  assert.equal(resolveConfig({ endpointUrl: 'http://cli' }, { ...env, AWS_ENDPOINT_URL_REKOGNITION: 'http://s' }).endpoint, 'http://cli');
  assert.throws(() => resolveConfig({ profile: 'nope' }, env), /The config profile \(nope\) could not be found/);
  assert.throws(() => parseIni('[a]\nx=1\n[a]\n', '/p'), /Unable to parse config file: \/p/);
  assert.equal(parseIni('[a]\nregion = us-west-2 # c\n', '/p').get('a')!.region, 'us-west-2 # c');
});

test('skeletons', () => {
  assert.equal(jsonInputSkeleton('ListTagsForResourceRequest'), '{\n    "ResourceArn": ""\n}\n');
  const y = yamlInputSkeleton('CopyProjectVersionRequest');
  assert.match(y.split('\n')[0], /^SourceProjectArn: ''  # \[REQUIRED\] /);
  assert.match(y, /\nTags: # .*\n {2}KeyName: ''\n/);
});

test('global options, base64 and pagination tokens', () => {
  assert.deepEqual(parseGlobals(['describe-projects', '--out', 'text', '--debug']).globals, { output: 'text', debug: true });
  assert.equal(pyB64Decode('hello'), undefined);
  assert.equal(Buffer.from(pyB64Decode('aGVsbG8=')!).toString(), 'hello');
  assert.equal(encodeToken({ NextToken: 'tok1' }), 'eyJOZXh0VG9rZW4iOiAidG9rMSJ9');
  assert.deepEqual(decodeToken('eyJOZXh0VG9rZW4iOiAidG9rMSJ9'), { token: 'tok1', skip: 0 });
  assert.deepEqual(decodeToken('raw'), { token: 'raw', skip: 0 });
});

test('end to end without a server: client-side failures and exit codes', async () => {
  const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    let out = '', err = '';
    const rc = await runRekognitionCli(argv, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, env: { HOME: '/nonexistent', ...env }, stdoutIsTTY: false });
    return { rc, out, err };
  };
  const r1 = await run(['copy-project-version']);
  assert.equal(r1.rc, 252);
  assert.match(r1.err, /^\nosprey: \[ERROR\]: An error occurred \(ParamValidation\): the following arguments are required: --source-project-arn/);
  assert.equal((await run(['start-project-version', '--project-version-arn', 'x'.repeat(20), '--min-inference-units', '1.5'])).rc, 255);
  assert.equal((await run(['describe-projects', '--endpoint-url', '127.0.0.1:9'])).rc, 252);
  const r2 = await run(['describe-projects', '--endpoint-url', 'http://127.0.0.1:9'], { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' });
  assert.equal(r2.rc, 253);
  assert.match(r2.err, /NoRegion/);
  const r3 = await run(['describe-projects', '--endpoint-url', 'http://127.0.0.1:9', '--region', 'us-east-1']);
  assert.equal(r3.rc, 253);
  assert.match(r3.err, /Unable to locate credentials/);
  const r4 = await run(['list-tags-for-resource', '--resource-arn', 'x'.repeat(20), '--generate-cli-skeleton', 'output']);
  assert.equal(r4.out, '{\n    "Tags": {\n        "KeyName": ""\n    }\n}\n');
  assert.equal((await run(['help'])).rc, 0);
  const h = await run(['copy-project-version', 'help']);
  assert.match(h.out, /--output-config/);
  assert.match(h.out, /127\.0\.0\.1:4750/);
});

test('pager command lines split like a POSIX shell (no shell runs them)', async () => {
  const { splitCommandLine } = await import('../../src/cli/output.js');
  assert.deepEqual(splitCommandLine('less -R'), ['less', '-R']);
  assert.deepEqual(splitCommandLine(`/p/pager a 'b c' "d \\"e\\"" f\\ g`), ['/p/pager', 'a', 'b c', 'd "e"', 'f g']);
  assert.deepEqual(splitCommandLine("  x  ''  "), ['x', '']);
});

// --- the request path: @aws-sdk/client-rekognition (src/cli/transport.ts) -------------------------
interface Seen { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }
async function withStub(reply: (n: number) => [number, string] | 'hang', fn: (url: string, seen: Seen[]) => Promise<void>) {
  const { createServer } = await import('node:http');
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const r = reply(seen.length);
      if (r === 'hang') return;
      res.writeHead(r[0], { 'content-type': 'application/x-amz-json-1.1' });
      res.end(r[1]);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    await fn(`http://127.0.0.1:${(server.address() as { port: number }).port}`, seen);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
/** Runs the CLI in this process with a clean environment plus `extra` (an empty value removes a variable). */
const runIn = async (argv: string[], extra: Record<string, string> = {}) => {
  let out = '', err = '';
  const env: NodeJS.ProcessEnv = { HOME: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 's', AWS_DEFAULT_REGION: 'eu-west-1' };
  for (const [k, v] of Object.entries(extra)) { if (v === '') delete env[k]; else env[k] = v; }
  const rc = await runRekognitionCli(argv, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, stdoutIsTTY: false, stderrIsTTY: false, env });
  return { rc, out, err };
};

test('every operation of the table has its SDK command class', async () => {
  const { operationNames } = await import('../../src/api/index.js');
  const { commands } = await import('../../src/cli/sdk.js');
  assert.deepEqual(Object.keys(commands).sort(), [...operationNames].sort());
});

test('requests go through the SDK: signed, the endpoint path kept, the raw response printed', async () => {
  await withStub(() => [200, '{"CustomLabels":[{"Name":"cat","Confidence":95.0}]}'], async (url, seen) => {
    const img = join(tempDir('osprey-img-'), 'img.bin');
    writeFileSync(img, Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]));
    const r = await runIn(['detect-custom-labels', '--project-version-arn', 'x'.repeat(20), '--image-bytes', `fileb://${img}`, '--endpoint-url', `${url}/p`, '--max-results', '2']);
    assert.equal(r.rc, 0, r.err);
    assert.equal(r.out, '{\n    "CustomLabels": [\n        {\n            "Name": "cat",\n            "Confidence": 95.0\n        }\n    ]\n}\n');
    const h = seen[0]!.headers;
    assert.equal(seen[0]!.url, '/p');
    assert.equal(h['x-amz-target'], 'RekognitionService.DetectCustomLabels');
    assert.match(String(h.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/rekognition\/aws4_request, /);
    assert.match(String(h['user-agent']), /^osprey-cli\/\S+ md\/Node#\S+ command\/rekognition\.detect-custom-labels$/);
    assert.match(String(h['x-amz-user-agent']), /^aws-sdk-js\//);
    assert.equal(h['amz-sdk-request'], 'attempt=1; max=3');
    const body = JSON.parse(seen[0]!.body);
    assert.equal(body.MaxResults, 2);
    assert.equal(body.Image.Bytes, '/9j/AAE=');
  });
});

test('--no-sign-request sends no signature; --debug logs each request and response', async () => {
  await withStub(() => [200, '{"Tags":{"b":"2","a":"1"}}'], async (url, seen) => {
    const r = await runIn(['list-tags-for-resource', '--resource-arn', 'x'.repeat(20), '--endpoint-url', url, '--no-sign-request', '--debug', '--output', 'text']);
    assert.equal(r.rc, 0);
    assert.equal(r.out, 'TAGS\t1\t2\n');
    assert.equal(seen[0]!.headers.authorization, undefined);
    assert.match(r.err, / - MainThread - osprey\.http - DEBUG - Sending http request: POST http:\/\/127\.0\.0\.1:\d+\/ ListTagsForResource body=\{"ResourceArn":"x{20}"\}\n/);
    assert.match(r.err, / - osprey\.http - DEBUG - Response status=200 body=\{"Tags":\{"b":"2","a":"1"\}\}\n/);
  });
});

test('retries: standard mode, max_attempts attempts on 5xx, then the AWS CLI\'s error and exit code', async () => {
  await withStub((n) => (n === 1 ? [503, '{"__type":"ServiceUnavailableException","Message":"busy"}'] : [500, '{"__type":"InternalServerError","Message":"boom"}']), async (url, seen) => {
    const r = await runIn(['stop-project-version', '--project-version-arn', 'x'.repeat(20), '--endpoint-url', url], { AWS_MAX_ATTEMPTS: '2' });
    assert.equal(r.rc, 254);
    assert.equal(r.err, '\nosprey: [ERROR]: An error occurred (InternalServerError) when calling the StopProjectVersion operation (reached max retries: 1): boom\n');
    assert.deepEqual(seen.map((s) => s.headers['amz-sdk-request']), ['attempt=1; max=2', 'attempt=2; max=2']);
  });
  await withStub(() => [400, '{"__type":"com.amazonaws.rekognition#ResourceNotFoundException:http://x","Message":"gone"}'], async (url, seen) => {
    const r = await runIn(['delete-project', '--project-arn', 'x'.repeat(20), '--endpoint-url', url]);
    assert.equal(r.rc, 254);
    assert.equal(r.err, '\nosprey: [ERROR]: An error occurred (ResourceNotFoundException) when calling the DeleteProject operation: gone\n');
    assert.equal(seen.length, 1);
  });
});

test('connection failures and timeouts: the AWS CLI\'s messages, exit 255', async () => {
  await withStub(() => 'hang', async (url) => {
    const r = await runIn(['describe-projects', '--endpoint-url', url, '--cli-read-timeout', '1'], { AWS_MAX_ATTEMPTS: '1' });
    assert.equal(r.rc, 255);
    assert.equal(r.err, `\nosprey: [ERROR]: Read timeout on endpoint URL: "${url}/"\n`);
  });
  const ca = await runIn(['describe-projects', '--endpoint-url', 'https://127.0.0.1:9', '--ca-bundle', '/nonexistent/ca.pem']);
  assert.equal(ca.rc, 255);
  assert.equal(ca.err, '\nosprey: [ERROR]: SSL validation failed for https://127.0.0.1:9/ [Errno 2] No such file or directory\n');
  const r = await runIn(['describe-projects', '--endpoint-url', 'http://127.0.0.1:9'], { AWS_MAX_ATTEMPTS: '1' });
  assert.equal(r.rc, 255);
  assert.equal(r.err, '\nosprey: [ERROR]: Could not connect to the endpoint URL: "http://127.0.0.1:9/"\n');
});

test('profiles that need the SDK\'s credential chain (credential_process) sign with what it returns', async () => {
  const d = tempDir('osprey-cp-');
  const config = join(d, 'config');
  writeFileSync(config, `[profile cp]\nregion = us-west-2\ncredential_process = /bin/echo '{"Version":1,"AccessKeyId":"AKIDPROCESS","SecretAccessKey":"s"}'\n`);
  // the SDK's providers read the process environment, as in a real run
  const saved = process.env.AWS_CONFIG_FILE;
  process.env.AWS_CONFIG_FILE = config;
  try {
    await withStub(() => [200, '{}'], async (url, seen) => {
      const r = await runIn(['delete-project', '--project-arn', 'x'.repeat(20), '--endpoint-url', url, '--profile', 'cp'],
        { AWS_CONFIG_FILE: config, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_DEFAULT_REGION: '' });
      assert.equal(r.rc, 0, r.err);
      assert.match(String(seen[0]!.headers.authorization), /Credential=AKIDPROCESS\/\d{8}\/us-west-2\/rekognition\//);
    });
  } finally {
    if (saved === undefined) delete process.env.AWS_CONFIG_FILE; else process.env.AWS_CONFIG_FILE = saved;
  }
});

test('connect timeouts, read timeouts and TLS failures from the SDK\'s handler map to the AWS CLI\'s texts', async () => {
  const { connectionError } = await import('../../src/cli/transport.js');
  const { readFileSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  // the texts the installed handler throws (a test that fails when an SDK upgrade changes them)
  const handlerDir = join(createRequire(import.meta.url).resolve('@smithy/node-http-handler'), '..', '..', 'dist-es');
  assert.match(readFileSync(join(handlerDir, 'set-connection-timeout.js'), 'utf8'), /did not establish a connection with the server/);
  assert.match(readFileSync(join(handlerDir, 'set-socket-timeout.js'), 'utf8'), /of inactivity/);
  const t = (message: string) => Object.assign(new Error(message), { name: 'TimeoutError' });
  const where = 'https://h:1/';
  assert.equal(connectionError(t('@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 1000 ms.'), where).message, 'Connect timeout on endpoint URL: "https://h:1/"');
  assert.equal(connectionError(t('@smithy/node-http-handler - the request socket timed out after 1000 ms of inactivity (configured by client requestHandler).'), where).message, 'Read timeout on endpoint URL: "https://h:1/"');
  assert.equal(connectionError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), where).message, 'SSL validation failed for https://h:1/ self-signed certificate');
  assert.equal(connectionError(Object.assign(new Error('getaddrinfo ENOTFOUND h'), { code: 'ENOTFOUND' }), where).message, 'Could not connect to the endpoint URL: "https://h:1/"');
  assert.equal(connectionError(new Error('expected `region` to be configured'), where).message, 'expected `region` to be configured');
});
