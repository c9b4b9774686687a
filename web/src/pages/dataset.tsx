// A dataset: label statistics (ListDatasetLabels, DescribeDataset), the image grid
// (ListDatasetEntries, paginated, with its four filters), per-entry errors, and edits through
// UpdateDatasetEntries: labels, boxes drawn on the image, and images uploaded with S3 PutObject.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, createBucket, putObject } from '../aws/client';
import { base64Utf8 as b64, parseEntry, type Entry } from '../lib/entries';
import { labelColour } from '../lib/boxes';
import { ErrorBox, Loading, Pager, Section, Status, url, useAction, useLoad, usePages, useRek, useSession } from '../ui/common';
import { BoxedImage } from '../ui/image';
import { Breadcrumbs, useProject } from './project';
import { EntryEditor } from './entry-editor';

const PAGE = 50;

export interface Filters { label: string; labeled: '' | 'true' | 'false'; errors: '' | 'true' | 'false'; contains: string }

function readFilters(): Filters {
  const q = new URLSearchParams(location.search);
  const pick = <T extends string>(v: string | null, ok: T[]) => (ok.includes(v as T) ? (v as T) : ('' as T));
  return { label: q.get('label') ?? '', labeled: pick(q.get('labeled'), ['true', 'false']), errors: pick(q.get('errors'), ['true', 'false']), contains: q.get('contains') ?? '' };
}

/** Filters live in the URL, so a filtered view can be shared. */
function writeFilters(f: Filters): void {
  const q = new URLSearchParams();
  if (f.label) q.set('label', f.label);
  if (f.labeled) q.set('labeled', f.labeled);
  if (f.errors) q.set('errors', f.errors);
  if (f.contains) q.set('contains', f.contains);
  const s = q.toString();
  history.replaceState(null, '', location.pathname + (s ? `?${s}` : ''));
}

function Upload({ datasetArn, onDone }: { datasetArn: string; onDone: () => void }) {
  const session = useSession();
  const rek = useRek();
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('uploads/');
  const [files, setFiles] = useState<File[]>([]);
  const [create, setCreate] = useState(false);
  const [done, setDone] = useState(0);
  const act = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(0);
    await act.run(async () => {
      if (create) await createBucket(session, bucket.trim());
      const refs: string[] = [];
      for (const f of files) {
        const key = `${prefix}${f.name}`;
        await putObject(session, bucket.trim(), key, new Uint8Array(await f.arrayBuffer()), f.type || 'application/octet-stream');
        refs.push(`s3://${bucket.trim()}/${key}`);
        setDone((n) => n + 1);
      }
      const lines = refs.map((r) => JSON.stringify({ 'source-ref': r })).join('\n');
      await rek('UpdateDatasetEntries', { DatasetArn: datasetArn, Changes: { GroundTruth: b64(lines) } });
      setFiles([]);
      onDone();
    });
  };
  return (
    <form onSubmit={submit} class="row" aria-label="Upload images">
      <label for="ubucket">Bucket</label>
      <input id="ubucket" required value={bucket} onInput={(e) => setBucket(e.currentTarget.value)} />
      <span class="inline"><label><input type="checkbox" checked={create} onChange={(e) => setCreate(e.currentTarget.checked)} /> Create the bucket first</label></span>
      <label for="uprefix">Key prefix</label>
      <input id="uprefix" value={prefix} onInput={(e) => setPrefix(e.currentTarget.value)} />
      <label for="ufiles">Images (JPEG or PNG)</label>
      <input id="ufiles" type="file" accept="image/jpeg,image/png" multiple required onChange={(e) => setFiles([...(e.currentTarget.files ?? [])])} />
      <button type="submit" class="primary" disabled={act.busy || !files.length}>Upload and add</button>
      {act.busy && <span aria-live="polite">{done} of {files.length} uploaded…</span>}
      <ErrorBox error={act.error} />
    </form>
  );
}

function EntryCard({ e, onEdit }: { e: Entry; onEdit: () => void }) {
  const name = e.sourceRef.split('/').pop() ?? e.sourceRef;
  const bad = e.errors.filter((x) => x.code.startsWith('ERROR_'));
  return (
    <li class={`entry${bad.length ? ' has-errors' : ''}`}>
      <BoxedImage src={e.sourceRef} alt={name} boxes={e.boxes} />
      <div class="entry-body">
        <span class="ref" title={e.sourceRef}>{name}</span>
        <ul class="chips">
          {e.labels.map((l) => <li key={l} style={{ borderColor: labelColour(l) }}>{l}</li>)}
          {e.boxes.length > 0 && <li>{e.boxes.length} box{e.boxes.length > 1 ? 'es' : ''}</li>}
          {!e.labeled && <li class="muted">unlabeled</li>}
        </ul>
        {e.errors.length > 0 && <ul class="entry-errors">{e.errors.map((x, i) => <li key={i} class={x.code.startsWith('ERROR_') ? 'bad' : 'warn'}><code>{x.code}</code> {x.message}</li>)}</ul>}
        <button type="button" onClick={onEdit}>Edit<span class="sr-only"> {name}</span></button>
      </div>
    </li>
  );
}

export function Dataset({ project, type }: { project: string; type: string }) {
  const rek = useRek();
  const p = useProject(project);
  const kind = type === 'test' ? 'TEST' : 'TRAIN';
  const arn: string | undefined = p.data?.Datasets?.find((d: any) => d.DatasetType === kind)?.DatasetArn;
  const desc = useLoad(async () => (arn ? (await rek('DescribeDataset', { DatasetArn: arn })).DatasetDescription : undefined), [arn]);
  // Entries and labels are asked for together with DescribeDataset (no waterfall); they are asked
  // again when an update or import finishes (epoch). A dataset that is not ready answers
  // ResourceNotReadyException / ResourceInUseException, which the status line explains.
  const status: string | undefined = desc.data?.Status;
  const [epoch, setEpoch] = useState(0);
  const lastStatus = useRef<string>();
  useEffect(() => {
    if (lastStatus.current && /IN_PROGRESS$/.test(lastStatus.current) && !/IN_PROGRESS$/.test(status ?? '')) setEpoch((e) => e + 1);
    lastStatus.current = status;
  }, [status]);
  const notReady = (e: unknown) => e instanceof ApiError && (e.code === 'ResourceNotReadyException' || e.code === 'ResourceInUseException');
  const labels = useLoad(async () => {
    if (!arn) return [];
    const all: any[] = [];
    let token: string | undefined;
    try {
      do {
        const r = await rek('ListDatasetLabels', { DatasetArn: arn, MaxResults: 100, ...(token ? { NextToken: token } : {}) });
        all.push(...r.DatasetLabelDescriptions);
        token = r.NextToken;
      } while (token);
    } catch (e) { if (notReady(e)) return []; throw e; }
    return all;
  }, [arn, epoch]);
  const [filters, setFilters] = useState<Filters>(readFilters);
  const pages = usePages();
  useEffect(() => { writeFilters(filters); pages.reset(); }, [filters]);
  const entries = useLoad(async () => {
    if (!arn) return undefined;
    return rek('ListDatasetEntries', {
      DatasetArn: arn, MaxResults: PAGE, ...(pages.token ? { NextToken: pages.token } : {}),
      ...(filters.label ? { ContainsLabels: [filters.label] } : {}), ...(filters.labeled ? { Labeled: filters.labeled === 'true' } : {}),
      ...(filters.errors ? { HasErrors: filters.errors === 'true' } : {}), ...(filters.contains ? { SourceRefContains: filters.contains } : {}),
    }).catch((e) => { if (notReady(e)) return undefined; throw e; });
  }, [arn, epoch, pages.token, filters]);
  const [editing, setEditing] = useState<Entry>();
  const inProgress = /IN_PROGRESS/.test(desc.data?.Status ?? '');
  useEffect(() => {
    if (!inProgress) return;
    const t = setInterval(desc.reload, 1500);
    return () => clearInterval(t);
  }, [inProgress]);
  const set = (k: keyof Filters) => (e: Event) => setFilters({ ...filters, [k]: (e.currentTarget as HTMLInputElement).value });
  const parsed = ((entries.data?.DatasetEntries ?? []) as string[]).map(parseEntry);
  const labelNames: string[] = (labels.data ?? []).map((l: any) => l.LabelName);
  const title = `${project} · ${kind === 'TRAIN' ? 'training' : 'test'} dataset`;
  if (p.error || (p.data && !arn)) return <main id="main"><h1>{title}</h1><ErrorBox error={p.error ?? new Error(`The project has no ${kind} dataset.`)} /></main>;
  const stats = desc.data?.DatasetStats;
  const afterEdit = () => { setEditing(undefined); desc.reload(); setEpoch((e) => e + 1); };
  return (
    <main id="main">
      <Breadcrumbs items={[['Projects', url.projects()], [project, url.project(project)], [kind === 'TRAIN' ? 'Training dataset' : 'Test dataset']]} />
      <h1>{title}</h1>
      <p><Status value={desc.data?.Status} /> <span class="muted">{desc.data?.StatusMessage}</span></p>
      <ErrorBox error={desc.error} />
      <Section title="Labels" id="labels">
        {stats && <p class="stats">{stats.TotalEntries} images · {stats.LabeledEntries} labeled · {stats.TotalLabels} labels · <span class={stats.ErrorEntries ? 'bad' : ''}>{stats.ErrorEntries} with errors</span></p>}
        <ErrorBox error={labels.error} />
        {labels.data && labels.data.length > 0 && (
          <table class="list compact">
            <thead><tr><th scope="col">Label</th><th scope="col">Images</th><th scope="col">Boxes</th></tr></thead>
            <tbody>{labels.data.map((l: any) => (
              <tr key={l.LabelName}>
                <td><button type="button" class="link" onClick={() => setFilters({ ...filters, label: l.LabelName })}><span class="swatch" style={{ background: labelColour(l.LabelName) }} />{l.LabelName}</button></td>
                <td>{l.LabelStats?.EntryCount ?? 0}</td><td>{l.LabelStats?.BoundingBoxCount ?? 0}</td>
              </tr>
            ))}</tbody>
          </table>
        )}
      </Section>
      <Section title="Images" id="images">
        <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
          <span><label for="f-label">Label</label> <select id="f-label" value={filters.label} onChange={set('label')}><option value="">any</option>{labelNames.map((l) => <option key={l}>{l}</option>)}</select></span>
          <span><label for="f-labeled">Labeled</label> <select id="f-labeled" value={filters.labeled} onChange={set('labeled')}><option value="">all</option><option value="true">labeled</option><option value="false">unlabeled</option></select></span>
          <span><label for="f-errors">Errors</label> <select id="f-errors" value={filters.errors} onChange={set('errors')}><option value="">all</option><option value="true">has errors</option><option value="false">no errors</option></select></span>
          <span><label for="f-contains">Source-ref contains</label> <input id="f-contains" value={filters.contains} onChange={set('contains')} /></span>
        </form>
        <ErrorBox error={entries.error} />
        {entries.loading && !entries.data ? <Loading what="images" /> : parsed.length === 0 ? <p class="muted">No images match.</p> : (
          <ul class="grid" aria-label="Dataset images">{parsed.map((e) => <EntryCard key={e.sourceRef} e={e} onEdit={() => setEditing(e)} />)}</ul>
        )}
        <Pager pages={pages} nextToken={entries.data?.NextToken} label="Images" />
      </Section>
      {editing && arn && <EntryEditor entry={editing} datasetArn={arn} labels={labelNames} detection={(labels.data ?? []).some((l: any) => l.LabelStats?.BoundingBoxCount > 0)} onClose={() => setEditing(undefined)} onSaved={afterEdit} />}
      {arn && <Section title="Add images" id="upload"><Upload datasetArn={arn} onDone={afterEdit} /></Section>}
    </main>
  );
}
