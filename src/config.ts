// Server settings: command-line flags, then OSPREY_* environment variables, then the config
// file (JSON or YAML), then defaults. The defaults run the embedded quickstart with no set-up.
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Credential } from './server/auth.js';
import { validBucketName } from './domain/s3/names.js';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  auth: 'dev' | 'strict';
  region: string;
  credentials: Credential[];
  /** Base64 32-byte key that encrypts key material at rest; generated into the data dir if absent. */
  masterKey?: string;
  trainingConcurrency: number;
  copyConcurrency: number;
  /** API worker processes sharing the port (cluster.ts); 1 = one process does everything. */
  workers: number;
  logLevel: 'info' | 'warn' | 'error' | 'silent';
  /** KMS keys to create at start-up (idempotent), see docs/kms.md. */
  keys: unknown[];
  /**
   * PostgreSQL URL (postgres://user:password@host:port/database) for the metadata of a scale-out
   * cluster (docs/scale-out.md); absent = SQLite in the data dir.
   */
  databaseUrl?: string;
  /** Connections this process holds at most in its PostgreSQL pool. */
  databasePoolSize: number;
  /**
   * A running job's lease: renewed every third of it; on a shared database, a node that stops renewing
   * (killed) has its jobs taken over by another node once the lease has expired.
   */
  jobLeaseSeconds: number;
  /**
   * S3 endpoint (http(s)://host:port) of the object store for users' buckets and model blobs in a
   * scale-out cluster (docs/scale-out.md): AWS S3 itself or any S3-compatible server, path-style.
   * Absent = the embedded object store in the data dir.
   */
  s3EndpointUrl?: string;
  /** Signing region for the S3 endpoint; absent = the AWS SDK's chain (AWS_REGION, profile), else `region`. */
  s3Region?: string;
  /** Static S3 credentials; absent = the AWS SDK's default credential chain (environment, profile, IMDS…). */
  s3AccessKeyId?: string;
  s3SecretAccessKey?: string;
  /** The S3 bucket that holds model blobs (content-addressed, immutable) when s3EndpointUrl is set. */
  modelBucket: string;
  /**
   * This node's name in the `nodes` table of a shared database (heartbeats, model placements); unique
   * per cluster. Default: `<host name>:<port>` (nodeIdentity()).
   */
  nodeId?: string;
  /**
   * The base URL other nodes use to reach this one (forwarded DetectCustomLabels), e.g.
   * `http://10.0.0.5:4750`. Default: `http://<listen host>:<port>`, the machine's host name when
   * listening on every interface.
   */
  advertiseUrl?: string;
  /** Training hyperparameters (docs/training.md); checked by domain/versions/training/options.ts. */
  training?: Record<string, unknown>;
}

export const DEFAULT_PORT = 4750;

export const DEFAULTS: ServerConfig = {
  host: '127.0.0.1', port: DEFAULT_PORT, dataDir: './data', auth: 'dev', region: 'us-east-1', credentials: [],
  trainingConcurrency: 1, copyConcurrency: 4, workers: 1, logLevel: 'info', keys: [], databasePoolSize: 10, jobLeaseSeconds: 60,
  modelBucket: 'osprey-models',
};

const ENV: Record<string, keyof ServerConfig> = {
  OSPREY_HOST: 'host', OSPREY_PORT: 'port', OSPREY_DATA_DIR: 'dataDir', OSPREY_AUTH: 'auth', OSPREY_REGION: 'region',
  OSPREY_MASTER_KEY: 'masterKey', OSPREY_TRAINING_CONCURRENCY: 'trainingConcurrency', OSPREY_COPY_CONCURRENCY: 'copyConcurrency',
  OSPREY_LOG_LEVEL: 'logLevel', OSPREY_WORKERS: 'workers', OSPREY_DATABASE_URL: 'databaseUrl', OSPREY_DATABASE_POOL_SIZE: 'databasePoolSize',
  OSPREY_JOB_LEASE_SECONDS: 'jobLeaseSeconds', OSPREY_NODE_ID: 'nodeId', OSPREY_ADVERTISE_URL: 'advertiseUrl',
  OSPREY_S3_ENDPOINT_URL: 's3EndpointUrl', OSPREY_S3_REGION: 's3Region', OSPREY_S3_ACCESS_KEY_ID: 's3AccessKeyId',
  OSPREY_S3_SECRET_ACCESS_KEY: 's3SecretAccessKey', OSPREY_MODEL_BUCKET: 'modelBucket',
};

const FLAGS: Record<string, keyof ServerConfig | 'config'> = {
  '--host': 'host', '--port': 'port', '--data-dir': 'dataDir', '--auth': 'auth', '--region': 'region', '--config': 'config',
  '--training-concurrency': 'trainingConcurrency', '--copy-concurrency': 'copyConcurrency', '--log-level': 'logLevel',
  '--workers': 'workers', '--database-url': 'databaseUrl', '--database-pool-size': 'databasePoolSize',
  '--job-lease-seconds': 'jobLeaseSeconds', '--node-id': 'nodeId', '--advertise-url': 'advertiseUrl',
  '--s3-endpoint-url': 's3EndpointUrl', '--s3-region': 's3Region', '--model-bucket': 'modelBucket',
};

export class ConfigError extends Error {}

export function parseServeArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const key = FLAGS[flag];
    if (!key) throw new ConfigError(`unknown option ${argv[i]} (see osprey serve --help)`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`option ${flag} needs a value`);
    out[key] = value;
  }
  return out;
}

export function loadConfig(flags: Record<string, string>, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const file = flags.config ?? env.OSPREY_CONFIG;
  let fromFile: Partial<ServerConfig> = {};
  if (file) {
    const text = readFileSync(file, 'utf8');
    fromFile = (/\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text)) ?? {};
  }
  const fromEnv: Record<string, string> = {};
  for (const [name, key] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== '') fromEnv[key] = env[name]!;
  const merged: Record<string, unknown> = { ...DEFAULTS, ...fromFile, ...fromEnv, ...flags };
  delete merged.config;
  const config = merged as unknown as ServerConfig;
  if (config.workers as unknown === 'auto') config.workers = availableParallelism();
  for (const k of ['port', 'trainingConcurrency', 'copyConcurrency', 'workers', 'databasePoolSize', 'jobLeaseSeconds'] as const) {
    const n = Number(config[k]);
    if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${k} must be a non-negative integer, got ${config[k]}`);
    (config as unknown as Record<string, number>)[k] = n;
  }
  if (config.workers < 1) throw new ConfigError('workers must be at least 1');
  if (config.jobLeaseSeconds < 1) throw new ConfigError('jobLeaseSeconds must be at least 1');
  if (config.databasePoolSize < 1) throw new ConfigError('databasePoolSize must be at least 1');
  if (config.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    throw new ConfigError(`databaseUrl must be a postgres:// or postgresql:// URL, got ${redactUrl(String(config.databaseUrl))}`);
  }
  checkS3(config);
  if (config.nodeId !== undefined && !NODE_ID.test(String(config.nodeId))) {
    throw new ConfigError(`nodeId must be 1-128 characters of letters, digits, '.', '_', ':' and '-', got ${config.nodeId}`);
  }
  if (config.advertiseUrl !== undefined) config.advertiseUrl = checkAdvertiseUrl(String(config.advertiseUrl));
  if (config.auth !== 'dev' && config.auth !== 'strict') throw new ConfigError(`auth must be dev or strict, got ${config.auth}`);
  for (const c of config.credentials) {
    if (!c.accessKeyId || !c.secretAccessKey || !/^\d{12}$/.test(c.accountId ?? '')) {
      throw new ConfigError('each credential needs accessKeyId, secretAccessKey and a 12-digit accountId');
    }
    c.principalArn ??= `arn:aws:iam::${c.accountId}:root`;
  }
  config.dataDir = resolve(config.dataDir);
  return config;
}

/** S3 settings: an http(s) URL, both static keys or neither, a valid model bucket name. */
function checkS3(config: ServerConfig): void {
  if (config.s3EndpointUrl !== undefined) {
    let url: URL | undefined;
    try { url = new URL(String(config.s3EndpointUrl)); } catch { /* reported below */ }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
      throw new ConfigError(`s3EndpointUrl must be an http:// or https:// URL without credentials, got ${redactUrl(String(config.s3EndpointUrl))}`);
    }
  }
  if ((config.s3AccessKeyId === undefined) !== (config.s3SecretAccessKey === undefined)) {
    throw new ConfigError('s3AccessKeyId and s3SecretAccessKey go together (OSPREY_S3_ACCESS_KEY_ID, OSPREY_S3_SECRET_ACCESS_KEY); set both or neither');
  }
  if (!validBucketName(String(config.modelBucket))) {
    throw new ConfigError(`modelBucket must be a valid S3 bucket name, got ${config.modelBucket}`);
  }
}

const NODE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function checkAdvertiseUrl(value: string): string {
  let url: URL;
  try { url = new URL(value); } catch { throw new ConfigError(`advertiseUrl must be an http:// or https:// URL, got ${value}`); }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash || url.pathname !== '/') {
    throw new ConfigError(`advertiseUrl must be an http:// or https:// URL with no path, credentials or query, got ${value}`);
  }
  return url.origin;
}

/** How this node is named and reached once it listens on `port` (defaults of --node-id and --advertise-url). */
export function nodeIdentity(config: Pick<ServerConfig, 'host' | 'nodeId' | 'advertiseUrl'>, port: number): { nodeId: string; advertiseUrl: string } {
  const wildcard = config.host === '0.0.0.0' || config.host === '::' || config.host === '';
  const host = wildcard ? hostname() : config.host.includes(':') ? `[${config.host}]` : config.host;
  return { nodeId: config.nodeId ?? `${hostname()}:${port}`, advertiseUrl: config.advertiseUrl ?? `http://${host}:${port}` };
}

/** The URL with any password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
