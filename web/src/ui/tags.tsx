// Tags of a project or model version: ListTagsForResource, TagResource, UntagResource.
import { useState } from 'preact/hooks';
import { ErrorBox, useAction, useLoad, useRek } from './common';

/** "a=1, b=2" → {a: "1", b: "2"} (a key without "=" gets an empty value). */
export function parseTags(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    out[(eq < 0 ? p : p.slice(0, eq)).trim()] = eq < 0 ? '' : p.slice(eq + 1).trim();
  }
  return out;
}

export function TagEditor({ arn, compact = false }: { arn: string; compact?: boolean }) {
  const rek = useRek();
  const tags = useLoad(() => rek('ListTagsForResource', { ResourceArn: arn }), [arn], { afterPaint: compact });
  const [adding, setAdding] = useState('');
  const act = useAction();
  const entries = Object.entries((tags.data?.Tags ?? {}) as Record<string, string>);
  const add = async (e: Event) => {
    e.preventDefault();
    const t = parseTags(adding);
    if (!Object.keys(t).length) return;
    if (await act.run(() => rek('TagResource', { ResourceArn: arn, Tags: t }))) { setAdding(''); tags.reload(); }
  };
  const remove = async (k: string) => { if (await act.run(() => rek('UntagResource', { ResourceArn: arn, TagKeys: [k] }))) tags.reload(); };
  return (
    <div class={compact ? 'tags compact' : 'tags'}>
      <ul class="chips" aria-label="Tags">
        {entries.map(([k, v]) => <li key={k}><span>{k}={v}</span><button type="button" class="link" aria-label={`Remove tag ${k}`} onClick={() => remove(k)}>×</button></li>)}
        {entries.length === 0 && !tags.loading && <li class="muted">no tags</li>}
      </ul>
      <form onSubmit={add} class="inline">
        <input aria-label="New tag (key=value)" placeholder="key=value" value={adding} onInput={(e) => setAdding(e.currentTarget.value)} size={compact ? 10 : 20} />
        <button type="submit" disabled={act.busy}>Add tag</button>
      </form>
      <ErrorBox error={tags.error ?? act.error} />
    </div>
  );
}
