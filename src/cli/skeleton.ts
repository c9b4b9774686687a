// `--generate-cli-skeleton`: the input shape as JSON or commented YAML, and the fake output used by
// `--generate-cli-skeleton output`. Descriptions in the YAML comments are Osprey's own, generated
// from member names and model facts.
import { shape, type Shape } from '../api/index.js';
import { PyFloat, dumpPyJson } from './pyjson.js';

export function inputSkeleton(s: Shape, stack: string[] = []): unknown {
  switch (s.type) {
    case 'structure': {
      const o: Record<string, unknown> = {};
      for (const [m, ref] of Object.entries(s.members ?? {})) {
        if (stack.includes(ref.shape)) continue;
        o[m] = inputSkeleton(shape(ref.shape), [...stack, ref.shape]);
      }
      return o;
    }
    case 'list': return [inputSkeleton(shape(s.member!.shape), stack)];
    case 'map': return { KeyName: inputSkeleton(shape(s.value!.shape), stack) };
    case 'integer': case 'long': return 0;
    case 'float': case 'double': return new PyFloat(0);
    case 'boolean': return false;
    case 'blob': return null;
    case 'timestamp': return '1970-01-01T00:00:00';
    default: return '';
  }
}

/** The stand-in response of `--generate-cli-skeleton output`: strings carry their member's name. */
export function outputSkeleton(s: Shape, name = ''): unknown {
  switch (s.type) {
    case 'structure': {
      const o: Record<string, unknown> = {};
      for (const [m, ref] of Object.entries(s.members ?? {})) o[m] = outputSkeleton(shape(ref.shape), m);
      return o;
    }
    case 'list': return [outputSkeleton(shape(s.member!.shape), name)];
    case 'map': return { KeyName: outputSkeleton(shape(s.value!.shape)) };
    case 'integer': case 'long': return 0;
    case 'float': case 'double': return new PyFloat(0);
    case 'boolean': return false;
    case 'blob': return '';
    case 'timestamp': return '1970-01-01T00:00:00';
    default: return name;
  }
}

const ACRONYMS: Record<string, string> = { arn: 'ARN', arns: 'ARNs', kms: 'KMS', s3: 'S3', id: 'ID' };

/** "SourceProjectVersionArn" → "source project version ARN". */
export function describeMember(member: string): string {
  const words = member.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').split(' ');
  return words.map((w) => ACRONYMS[w.toLowerCase()] ?? w.toLowerCase()).join(' ');
}

export function memberNote(member: string, s: Shape, required: boolean): string {
  let text = `${required ? '[REQUIRED] ' : ''}${capitalize(describeMember(member))}`;
  const kind: Record<string, string> = { structure: 'object', list: 'list', map: 'map of names to values', blob: 'bytes' };
  text += ` (${kind[s.type] ?? s.type}).`;
  if (s.enum) text += `  Allowed: ${s.enum.join(', ')}.`;
  return text;
}

function capitalize(s: string): string { return s.charAt(0).toUpperCase() + s.slice(1); }

function yamlScalar(v: unknown): string {
  if (v === '') return "''";
  if (v === null) return 'null';
  if (v instanceof PyFloat) return '0.0';
  return String(v);
}

/** The commented YAML skeleton (`--generate-cli-skeleton yaml-input`). */
export function yamlInputSkeleton(inputShape: string): string {
  const lines: string[] = [];
  const walk = (s: Shape, indent: number) => {
    const pad = ' '.repeat(indent);
    const required = new Set(s.required ?? []);
    for (const [m, ref] of Object.entries(s.members ?? {})) {
      const ms = shape(ref.shape);
      const note = memberNote(m, ms, required.has(m));
      const sep = lines.length === 0 ? '  ' : ' ';
      if (ms.type === 'structure') {
        lines.push(`${pad}${m}:${sep}# ${note}`);
        walk(ms, indent + 2);
      } else if (ms.type === 'map') {
        lines.push(`${pad}${m}:${sep}# ${note}`);
        lines.push(`${pad}  KeyName: ${yamlScalar(inputSkeleton(shape(ms.value!.shape)))}`);
      } else if (ms.type === 'list') {
        const mem = shape(ms.member!.shape);
        lines.push(`${pad}${m}:${sep}# ${note}`);
        if (mem.type === 'structure') {
          const sub: string[] = [];
          const save = lines.length;
          walk(mem, indent + 2);
          sub.push(...lines.splice(save));
          sub.forEach((l, i) => lines.push(i === 0 ? `${pad}- ${l.slice(indent + 2)}` : l));
        } else lines.push(`${pad}- ${yamlScalar(inputSkeleton(mem))}`);
      } else {
        lines.push(`${pad}${m}: ${yamlScalar(inputSkeleton(ms))}${sep}# ${note}`);
      }
    }
  };
  walk(shape(inputShape), 0);
  return lines.join('\n') + '\n';
}

export function jsonInputSkeleton(inputShape: string): string {
  return dumpPyJson(inputSkeleton(shape(inputShape))) + '\n';
}
