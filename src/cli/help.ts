// Help pages, in Osprey's own words, generated from the command table.
import { shape, type Shape } from '../api/index.js';
import { commandTable, waiterTable, allWaiters, type CommandSpec, type OptSpec } from './commands.js';
import { describeMember } from './skeleton.js';
import { DEFAULT_ENDPOINT } from './config.js';
import { PROG } from './errors.js';

function typeHint(o: OptSpec): string {
  if (o.pagination) return o.pagination === 'starting-token' ? 'string' : 'integer';
  const s = shape(o.shapeName!);
  if (o.kind === 'boolean') return 'boolean';
  if (o.kind === 'list-scalar') return `list of ${shape(s.member!.shape).type}s, separated by spaces`;
  if (o.kind === 'blob') return 'blob (fileb://path for a file\'s bytes)';
  if (o.kind === 'complex') return `${s.type === 'list' ? 'list' : s.type}, shorthand or JSON: ${shorthandHint(s)}`;
  return s.enum ? `string, one of ${s.enum.join(' | ')}` : s.type;
}

function shorthandHint(s: Shape, depth = 0): string {
  if (depth > 2) return '...';
  if (s.type === 'structure') {
    return Object.entries(s.members ?? {}).map(([m, r]) => {
      const t = shape(r.shape);
      return `${m}=${['structure', 'map'].includes(t.type) ? '{' + shorthandHint(t, depth + 1) + '}' : t.type === 'list' ? '[' + shorthandHint(shape(t.member!.shape), depth + 1) + ',...]' : t.type}`;
    }).join(',');
  }
  if (s.type === 'map') return 'Name1=value1,Name2=value2';
  if (s.type === 'list') return shorthandHint(shape(s.member!.shape), depth + 1) + ' ...';
  return s.type;
}

const GLOBAL_HELP: [string, string][] = [
  ['--debug', 'Write a detailed log of what the command does to stderr.'],
  ['--endpoint-url <url>', `Send requests to this address. Without it (and without AWS_ENDPOINT_URL_REKOGNITION, AWS_ENDPOINT_URL or an endpoint_url setting) requests go to the local Osprey server at ${DEFAULT_ENDPOINT}.`],
  ['--no-verify-ssl', 'Accept any TLS certificate.'],
  ['--no-paginate', 'Make a single request; print the service\'s own NextToken.'],
  ['--output <json|text|table|yaml|yaml-stream|off>', 'How to print the result (default json).'],
  ['--query <expression>', 'A JMESPath expression applied to the result before printing.'],
  ['--profile <name>', 'Use this profile from ~/.aws/config and ~/.aws/credentials.'],
  ['--region <name>', 'Region used to sign requests (default us-east-1 when talking to the local server).'],
  ['--version', 'Print the version and exit.'],
  ['--color <on|off|auto>', 'Colour table output.'],
  ['--no-sign-request', 'Send requests without a signature.'],
  ['--ca-bundle <path>', 'Certificate authorities to trust for TLS.'],
  ['--cli-read-timeout <seconds>', 'Give up waiting for a reply after this long (0: never).'],
  ['--cli-connect-timeout <seconds>', 'Give up connecting after this long (0: never).'],
  ['--cli-binary-format <base64|raw-in-base64-out>', 'How blob values typed as text are read (default: base64).'],
  ['--no-cli-pager', 'Never send output through a pager.'],
  ['--cli-auto-prompt / --no-cli-auto-prompt', 'Ask for the command\'s parameters interactively (or never).'],
];

function globalSection(): string {
  return 'GLOBAL OPTIONS\n' + GLOBAL_HELP.map(([f, d]) => `  ${f}\n      ${d}\n`).join('');
}

export function commandHelp(cmd: CommandSpec): string {
  const lines: string[] = [];
  const title = cmd.waiter ? `${PROG} rekognition wait ${cmd.name}` : `${PROG} rekognition ${cmd.name}`;
  lines.push(`NAME\n  ${title}\n`);
  if (cmd.waiter) {
    const w = allWaiters()[cmd.waiter.name];
    const target = w.acceptors.find((a) => a.state === 'success')?.expected;
    lines.push(`DESCRIPTION\n  Calls ${w.operation} every ${w.delay} seconds until every matching model version reports ${String(target)}.\n  Exits with 255 when a version reports a failure status or after ${w.maxAttempts} checks.${cmd.waiter.extra ? '\n  (An Osprey addition: the AWS CLI has no waiter for copies.)' : ''}\n`);
  } else {
    lines.push(`DESCRIPTION\n  Calls the ${cmd.operation} operation of the Rekognition Custom Labels API${cmd.paginator ? `.\n  Results are fetched page by page and merged (key ${cmd.paginator.resultKey}); see --max-items, --starting-token, --page-size and --no-paginate` : ''}.\n`);
  }
  const visible = cmd.options.filter((o) => !o.hidden);
  const synopsis = visible.map((o) => {
    const arg = o.kind === 'boolean' ? `${o.flag} | ${o.flag.replace('--', '--no-')}` : `${o.flag} <value>`;
    return o.required ? arg : `[${arg}]`;
  });
  synopsis.push('[--cli-input-json <value> | --cli-input-yaml <value>]', '[--generate-cli-skeleton <input|yaml-input|output>]');
  lines.push(`SYNOPSIS\n  ${title}\n    ${synopsis.join('\n    ')}\n`);
  lines.push('OPTIONS');
  for (const o of visible) {
    const what = o.pagination
      ? { 'starting-token': 'Continue from the NextToken printed by an earlier truncated call.', 'page-size': 'Items to ask for per request.', 'max-items': 'Stop after this many items and print a NextToken to resume from.' }[o.pagination]
      : `${o.required ? '(required) ' : ''}The ${describeMember(o.member!.split('.').pop()!)}.`;
    lines.push(`  ${o.flag} (${typeHint(o)})\n      ${what}`);
  }
  lines.push('  --cli-input-json | --cli-input-yaml (string)\n      Read the parameters from a JSON or YAML document (file:// works); options on the command line win.');
  lines.push('  --generate-cli-skeleton (input | yaml-input | output)\n      Print a template of the parameters (or of the result) instead of calling the service.\n');
  lines.push(globalSection());
  return lines.join('\n') + '\n';
}

export function serviceHelp(): string {
  const cmds = [...commandTable().keys()].sort();
  return `NAME\n  ${PROG} rekognition\n\nDESCRIPTION\n  An AWS-CLI-compatible command line for the Rekognition Custom Labels API, served by Osprey.\n` +
    `  Without a configured endpoint it talks to the local Osprey server at ${DEFAULT_ENDPOINT}.\n\n` +
    `USAGE\n  ${PROG} rekognition <command> [options]\n  ${PROG} rekognition <command> help\n\nCOMMANDS\n${cmds.map((c) => `  ${c}\n`).join('')}  wait\n\n` + globalSection();
}

export function waitHelp(w: Map<string, CommandSpec>): string {
  return `NAME\n  ${PROG} rekognition wait\n\nDESCRIPTION\n  Wait until a model version reaches a state.\n\nSUBCOMMANDS\n${[...w.keys()].map((k) => `  ${k}\n`).join('')}`;
}
