// Configuration the way the AWS CLI reads it: ~/.aws/config and ~/.aws/credentials (INI with
// Python RawConfigParser rules), environment variables, and command-line options, in that
// order of increasing precedence. See docs/cli.md, "Configuration".
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, GeneralError } from './errors.js';
import type { Globals } from './argv.js';

/** The address of a local Osprey server, used when nothing names an endpoint. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4750';
/** Signing keys used when nothing names credentials (the local server accepts any key). */
export const DUMMY_CREDENTIALS = { accessKeyId: 'AKIAOSPREYLOCALDUMMY', secretAccessKey: 'osprey-local-dummy-secret' };
export const DEFAULT_REGION = 'us-east-1';

export type Section = Record<string, string | Record<string, string>>;
export type IniFile = Map<string, Section>;

/** RawConfigParser: `=` or `:`, case-insensitive option names, full-line comments only, indented continuations. */
export function parseIni(text: string, path: string): IniFile {
  const out: IniFile = new Map();
  let cur: Section | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(raw)) continue;
    const sect = /^\[([^\]]+)\]/.exec(raw);
    if (sect) {
      const name = sect[1];
      if (out.has(name)) throw new GeneralError(`Unable to parse config file: ${path}`);
      cur = {};
      out.set(name, cur);
      lastKey = undefined;
      continue;
    }
    if (/^\s/.test(raw) && cur && lastKey) {
      // continuation: nested `key = value` pairs (services blocks, s3 = ...)
      const m = /^\s+([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
      const prev = cur[lastKey];
      const nested = typeof prev === 'object' ? prev : {};
      if (m) nested[m[1].toLowerCase()] = m[2].trim();
      cur[lastKey] = nested;
      continue;
    }
    if (!cur) throw new GeneralError(`Unable to parse config file: ${path}`);
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (!m) throw new GeneralError(`Unable to parse config file: ${path}`);
    lastKey = m[1].trim().toLowerCase();
    cur[lastKey] = m[2].trim();
  }
  return out;
}

function readIni(path: string): IniFile {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch { return new Map(); }
  return parseIni(text, path);
}

function expandUser(p: string, env: NodeJS.ProcessEnv): string {
  return p.startsWith('~') ? join(env.HOME ?? homedir(), p.slice(1)) : p;
}

export interface Credentials { accessKeyId: string; secretAccessKey: string; sessionToken?: string; source: string }

export interface ResolvedConfig {
  profileName: string;
  profile: Section;           // merged [profile x] from config
  credentialsSection?: Section;
  region?: string;
  output: string;
  endpoint: string;
  endpointSource: string;
  pager?: string;
  binaryFormat: 'base64' | 'raw-in-base64-out';
  autoPrompt: string;
  timestampFormat: string;
  caBundle?: string;
  maxAttempts: number;
  readTimeout: number;
  connectTimeout: number;
  verifySsl: boolean;
  env: NodeJS.ProcessEnv;
}

const REGION_RE = /^[a-zA-Z0-9]$|^[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]$/;

export function resolveConfig(globals: Globals, env: NodeJS.ProcessEnv): ResolvedConfig {
  const configPath = expandUser(env.AWS_CONFIG_FILE ?? '~/.aws/config', env);
  const credPath = expandUser(env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials', env);
  const config = readIni(configPath);
  const creds = readIni(credPath);
  const explicit = typeof globals.profile === 'string' ? globals.profile : undefined;
  const profileName = explicit ?? env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE ?? 'default';
  const profile: Section = profileName === 'default' ? { ...(config.get('default') ?? {}) } : { ...(config.get(`profile ${profileName}`) ?? {}) };
  const credentialsSection = creds.get(profileName);
  const profileExists = (profileName === 'default' ? config.has('default') : config.has(`profile ${profileName}`)) || creds.has(profileName);
  if (!profileExists && (explicit !== undefined || profileName !== 'default')) {
    throw new GeneralError(`The config profile (${profileName}) could not be found`);
  }
  const str = (k: string) => (typeof profile[k] === 'string' ? profile[k] as string : undefined);

  let region = (globals.region as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? str('region');
  if (region !== undefined && !REGION_RE.test(region)) throw new GeneralError(`Provided region_name '${region}' doesn't match a supported format.`);
  if (region === '') region = undefined;

  const output = (env.AWS_DEFAULT_OUTPUT ?? str('output') ?? 'json');

  // endpoint precedence: option > service env > global env > services section > profile > Osprey default
  const ignore = /^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? str('ignore_configured_endpoint_urls') ?? '');
  let endpoint: string | undefined;
  let endpointSource = 'default';
  if (typeof globals.endpointUrl === 'string') { endpoint = globals.endpointUrl; endpointSource = '--endpoint-url'; }
  else if (!ignore) {
    const services = str('services');
    const svc = services ? config.get(`services ${services}`)?.rekognition : undefined;
    const candidates: [string | undefined, string][] = [
      [env.AWS_ENDPOINT_URL_REKOGNITION, 'AWS_ENDPOINT_URL_REKOGNITION'],
      [env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL'],
      [typeof svc === 'object' ? svc.endpoint_url : undefined, `services ${services}`],
      [str('endpoint_url'), `profile ${profileName}`],
    ];
    for (const [v, src] of candidates) if (v) { endpoint = v; endpointSource = src; break; }
  }
  if (endpoint === undefined) endpoint = env.OSPREY_ENDPOINT_URL ?? DEFAULT_ENDPOINT;

  const pager = env.AWS_PAGER ?? str('cli_pager') ?? env.PAGER;
  const bf = (globals.cliBinaryFormat as string | undefined) ?? str('cli_binary_format') ?? 'base64';
  const binaryFormat = bf === 'raw-in-base64-out' ? 'raw-in-base64-out' : 'base64';
  let autoPrompt = env.AWS_CLI_AUTO_PROMPT ?? str('cli_auto_prompt') ?? 'off';
  if (globals.cliAutoPrompt) autoPrompt = 'on';
  if (globals.noCliAutoPrompt) autoPrompt = 'off';
  const timestampFormat = str('cli_timestamp_format') ?? 'iso8601';
  const caBundle = (globals.caBundle as string | undefined) ?? env.AWS_CA_BUNDLE ?? str('ca_bundle');
  const maxAttempts = Number(env.AWS_MAX_ATTEMPTS ?? str('max_attempts') ?? 3) || 3;
  const timeout = (v: string | boolean | undefined) => {
    if (v === undefined) return 60;
    const t = String(v).trim();
    if (!/^[+-]?\d+$/.test(t)) throw new GeneralError(`invalid literal for int() with base 10: '${v}'`);
    return Number(t);
  };
  return {
    profileName, profile, credentialsSection, region, output, endpoint, endpointSource, pager, binaryFormat, autoPrompt,
    timestampFormat, caBundle, maxAttempts, env,
    readTimeout: timeout(globals.cliReadTimeout), connectTimeout: timeout(globals.cliConnectTimeout),
    verifySsl: !globals.noVerifySsl,
  };
}

export function checkEndpoint(url: string): void {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(url)) {
    throw Object.assign(new ConfigError(''), { endpointBad: url });
  }
}

/** Does this profile need a credential provider Osprey does not implement itself? */
export function needsSdkProvider(cfg: ResolvedConfig): boolean {
  const p = cfg.profile;
  return ['role_arn', 'sso_session', 'sso_start_url', 'credential_process', 'web_identity_token_file', 'login_session']
    .some((k) => k in p) || !!cfg.env.AWS_WEB_IDENTITY_TOKEN_FILE || !!cfg.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
    || !!cfg.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
}

/**
 * Static credentials by the AWS CLI's precedence: environment (unless --profile was given),
 * shared credentials file, keys in the config profile. `undefined` when none are found.
 */
export function staticCredentials(cfg: ResolvedConfig, explicitProfile: boolean): Credentials | undefined {
  const env = cfg.env;
  if (!explicitProfile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined, source: 'env' };
  }
  for (const [sect, source] of [[cfg.credentialsSection, 'shared-credentials-file'], [cfg.profile, 'config-file']] as const) {
    if (sect && typeof sect.aws_access_key_id === 'string' && typeof sect.aws_secret_access_key === 'string') {
      return {
        accessKeyId: sect.aws_access_key_id, secretAccessKey: sect.aws_secret_access_key,
        sessionToken: typeof sect.aws_session_token === 'string' ? sect.aws_session_token : undefined, source,
      };
    }
  }
  return undefined;
}
