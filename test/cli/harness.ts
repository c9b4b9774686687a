// Shared machinery of the CLI differential and terminal suites: running a command line through
// AWS CLI v2 (/usr/bin/aws, Debian's 2.9.19), the preinstalled v1 `aws` and `osprey rekognition`;
// a canned-reply stub server; a bounded job pool; and the comparison rules.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const OSPREY = join(REPO, 'bin', 'osprey.js');
export const V2 = '/usr/bin/aws';
export const HAVE_V2 = existsSync(V2);
export const HAVE_DIST = existsSync(join(REPO, 'dist', 'main.js'));
/** The v1 `aws` on PATH that is not Debian's v2 (pyenv shim or pip install), or ''. */
export const V1 = (() => {
  try { return execFileSync('bash', ['-c', 'which -a aws | grep -v "^/usr/bin/aws$" | grep -v "^/bin/aws$" | head -1'], { encoding: 'utf8' }).trim(); } catch { return ''; }
})();

export interface Run { out: string; err: string; rc: number }

export function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, onSpawn?: (pid: number) => void): Promise<Run> {
  return new Promise((res) => {
    const p = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    if (p.pid !== undefined) onSpawn?.(p.pid);
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (rc, sig) => res({ out, err, rc: rc ?? (sig ? -1 : -2) }));
  });
}

/** A clean AWS environment rooted in `dir` (config files that do not exist, fixed keys and region). */
export function baseEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: dir, AWS_CONFIG_FILE: join(dir, 'c'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'k'),
    AWS_ACCESS_KEY_ID: '111122223333', AWS_SECRET_ACCESS_KEY: 'secretexample', AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', LC_ALL: 'C.UTF-8',
  };
  for (const [k, v] of Object.entries(extra)) { if (v === '') delete env[k]; else env[k] = v; }
  return env;
}

export type Cli = 'v2' | 'v1' | 'osprey';

/** Runs `<cli> rekognition <args>` through `sh -c` (so the case text is shell words, quoting included). */
export function runCli(cli: Cli, args: string, env: NodeJS.ProcessEnv, cwd: string, onSpawn?: (pid: number) => void): Promise<Run> {
  const words = ['-c', `exec "$@" ${args}`, 'sh'];
  if (cli === 'osprey') return exec('sh', [...words, process.execPath, OSPREY, 'rekognition'], { ...env, OSPREY_CLI_ERROR_ERA: 'A' }, cwd, onSpawn);
  return exec('sh', [...words, cli === 'v2' ? V2 : V1, 'rekognition'], env, cwd, onSpawn);
}

/** The oracle's stderr with the program renamed (`aws:` prefixes, usage lines). */
export function renameProgram(s: string): string {
  return s.replace(/^aws: /gm, 'osprey: ').replace(/^usage: aws /gm, 'usage: osprey ').replace(/^ {2}aws( |$)/gm, '  osprey$1');
}
export const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*[mK]/g, '');

/** Runs `jobs` with at most `limit` at once (each job itself may run two processes). */
export async function pool<T>(limit: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < jobs.length; i = next++) results[i] = await jobs[i]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

/** Jobs at once (each runs v2 and Osprey side by side; most of a job's time is process start-up). */
export const CONCURRENCY = Math.max(3, Math.min(8, availableParallelism() + 1));

// --- canned-reply stub: the endpoint path selects the scenario ---------------------------------
export const A = 'arn:aws:rekognition:us-east-1:111122223333:project/src/1';
export const VA = 'arn:aws:rekognition:us-east-1:111122223333:project/src/version/v1/1';
export const D = 'arn:aws:rekognition:us-east-1:111122223333:project/dst/1';
const P1 = { ProjectDescriptions: [{ ProjectArn: 'arn:aws:rekognition:us-east-1:111122223333:project/p1/1600000000000', CreationTimestamp: 1600000000.123, Status: 'CREATED', Datasets: [{ CreationTimestamp: 1600000001.5, DatasetType: 'TRAIN', DatasetArn: 'arn:aws:rekognition:us-east-1:111122223333:project/p1/dataset/train/1', Status: 'CREATE_COMPLETE' }] }], NextToken: 'tok1' };
const P2 = { ProjectDescriptions: [{ ProjectArn: 'arn:aws:rekognition:us-east-1:111122223333:project/p2/1600000000001', CreationTimestamp: 1600000100, Status: 'CREATING' }] };
const PV = '{"ProjectVersionDescriptions":[{"ProjectVersionArn":"' + VA + '","CreationTimestamp":1.7E9,"Status":"RUNNING","MinInferenceUnits":1,"BillableTrainingTimeInSeconds":100,"EvaluationResult":{"F1Score":0.30000000000000004,"Summary":{"S3Object":{"Bucket":"b","Name":"n"}}},"StatusMessage":"The model is running and ready to answer requests from your client applications at this point, with several long words to fold."}]}';

function stubReply(scenario: string, op: string, body: Record<string, unknown>): [number, string] {
  if (scenario === 'notfound') return [400, JSON.stringify({ __type: 'ResourceNotFoundException', Message: 'The source project does not exist' })];
  if (scenario === 'boom') return [500, JSON.stringify({ __type: 'InternalServerError', Message: 'boom' })];
  if (scenario === 'denied') return [403, '{}'];
  switch (op) {
    case 'CopyProjectVersion': return [200, JSON.stringify({ ProjectVersionArn: 'arn:aws:rekognition:us-east-1:111122223333:project/dst/version/v2/1700000000000' })];
    case 'DescribeProjects': return [200, JSON.stringify(body.NextToken === 'tok1' ? P2 : P1)];
    case 'ListTagsForResource': return [200, scenario === 'emptytags' ? '{"Tags":{}}' : '{"Tags":{"b":"2","a":"1"}}'];
    case 'DescribeProjectVersions':
      if (scenario === 'failed') return [200, '{"ProjectVersionDescriptions":[{"Status":"TRAINING_FAILED"}]}'];
      if (scenario === 'completed') return [200, '{"ProjectVersionDescriptions":[{"Status":"TRAINING_COMPLETED"},{"Status":"TRAINING_COMPLETED"}]}'];
      if (scenario === 'starting') return [200, '{"ProjectVersionDescriptions":[{"Status":"STARTING"},{"Status":"RUNNING"}]}'];
      return [200, PV];
    case 'DetectCustomLabels': return [200, '{"CustomLabels":[{"Name":"cat","Confidence":95.0,"Geometry":{"BoundingBox":{"Width":0.5,"Height":1e-05,"Left":0,"Top":1.0}}},{"Name":"dog","Confidence":51.25}]}'];
    case 'StartProjectVersion': return [200, '{"Status":"STARTING"}'];
    default: return [200, '{}'];
  }
}

export interface Stub {
  url: string;
  server: Server;
  /** Calls `fn` on each request: scenario (the path) and operation. */
  onRequest(fn: (scenario: string, op: string) => void): void;
  /** Scenario `hold`: requests wait until released. */
  releaseHeld(): void;
  close(): Promise<void>;
}

export async function startStub(): Promise<Stub> {
  const listeners: ((s: string, op: string) => void)[] = [];
  const held: (() => void)[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').split('.').pop()!;
      const scenario = (req.url ?? '/').slice(1);
      const reply = () => {
        const [status, text] = stubReply(scenario, op, body ? JSON.parse(body) : {});
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(text);
      };
      for (const l of listeners) l(scenario, op);
      if (scenario === 'hold') held.push(reply); else reply();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server,
    onRequest(fn) { listeners.push(fn); },
    releaseHeld() { for (const r of held.splice(0)) r(); },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

// --- AWS CLI v2 without its start-up per command line --------------------------------------------
/** The shell words of `args` (sh's own quoting rules), so every CLI gets the same argv. */
export function shellWords(args: string): Promise<string[]> {
  return new Promise((res, rej) => {
    const p = spawn('sh', ['-c', `printf '%s\\0' ${args}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('close', (rc) => (rc === 0 ? res(args.trim() === '' ? [] : out.split('\0').slice(0, -1)) : rej(new Error(`sh could not split: ${args}`))));
  });
}

/**
 * Runs `/usr/bin/aws` command lines through test/cli/aws_zygote.py: the CLI is imported once and
 * each command line runs in a forked child (fresh process state, real file descriptors), which
 * takes a fraction of a second instead of a full Python start-up.
 */
export class AwsV2 {
  private proc: ChildProcess | undefined;
  private waiting = new Map<number, (rc: number) => void>();
  private seq = 0;
  private ready: Promise<void> | undefined;
  constructor(private readonly scratch: string) {}

  start(env: NodeJS.ProcessEnv): Promise<void> {
    this.ready ??= new Promise((res, rej) => {
      const proc = spawn('/usr/bin/python3', [join(REPO, 'test', 'cli', 'aws_zygote.py')], { env, stdio: ['pipe', 'pipe', 'inherit'] });
      this.proc = proc;
      let buf = '';
      proc.stdout!.on('data', (d) => {
        buf += d;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const msg = JSON.parse(buf.slice(0, i)) as { ready?: boolean; id?: number; rc?: number };
          buf = buf.slice(i + 1);
          if (msg.ready) res();
          else { this.waiting.get(msg.id!)?.(msg.rc!); this.waiting.delete(msg.id!); }
        }
      });
      proc.on('error', rej);
      proc.on('exit', (code) => { rej(new Error(`aws zygote exited (${code})`)); for (const f of this.waiting.values()) f(-3); });
    });
    return this.ready;
  }

  async run(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
    await this.ready;
    const id = ++this.seq;
    const out = join(this.scratch, `v2-${id}.out`), err = join(this.scratch, `v2-${id}.err`);
    const rc = await new Promise<number>((res) => {
      this.waiting.set(id, res);
      this.proc!.stdin!.write(JSON.stringify({ id, argv: ['rekognition', ...argv], env, cwd, out, err }) + '\n');
    });
    const r = { out: readFileSync(out, 'utf8'), err: readFileSync(err, 'utf8'), rc };
    rmSync(out, { force: true }); rmSync(err, { force: true });
    return r;
  }

  stop(): void { this.proc?.stdin?.end(); }
}
