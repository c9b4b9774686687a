// One project: its datasets (create from a manifest, open, delete), its model versions (train a
// new one, open, status live) and links to its policies. DescribeProjects, CreateDataset,
// DeleteDataset, DescribeProjectVersions, CreateProjectVersion.
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading, Pager, Section, Status, fmtDate, url, useAction, useLoad, usePages, useRek } from '../ui/common';
import { TagEditor } from '../ui/tags';

export function useProject(name: string) {
  const rek = useRek();
  return useLoad(async () => {
    const r = await rek('DescribeProjects', { ProjectNames: [name] });
    const p = r.ProjectDescriptions?.[0];
    if (!p) throw Object.assign(new Error(`Project ${name} was not found in this account and region.`), { code: 'ResourceNotFoundException' });
    return p;
  }, [name]);
}

export function Breadcrumbs({ items }: { items: [string, string?][] }) {
  return (
    <nav aria-label="Breadcrumb" class="crumbs">
      <ol>{items.map(([label, href], i) => <li key={i}>{href ? <a href={href}>{label}</a> : <span aria-current="page">{label}</span>}</li>)}</ol>
    </nav>
  );
}

function ImportDataset({ projectArn, type, onDone }: { projectArn: string; type: 'TRAIN' | 'TEST'; onDone: () => void }) {
  const rek = useRek();
  const [bucket, setBucket] = useState('');
  const [key, setKey] = useState('');
  const act = useAction();
  const id = type.toLowerCase();
  const submit = async (e: Event) => {
    e.preventDefault();
    const source = key.trim() ? { DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: bucket.trim(), Name: key.trim() } } } } : {};
    if (await act.run(() => rek('CreateDataset', { ProjectArn: projectArn, DatasetType: type, ...source }))) onDone();
  };
  return (
    <form onSubmit={submit} class="row" aria-label={`Create ${type} dataset`}>
      <label for={`${id}-bucket`}>{type} manifest bucket</label>
      <input id={`${id}-bucket`} value={bucket} onInput={(e) => setBucket(e.currentTarget.value)} />
      <label for={`${id}-key`}>{type} manifest key</label>
      <input id={`${id}-key`} value={key} placeholder={`${id}.manifest (empty: an empty dataset)`} onInput={(e) => setKey(e.currentTarget.value)} />
      <button type="submit" class="primary" disabled={act.busy}>Create {type} dataset</button>
      <ErrorBox error={act.error} />
    </form>
  );
}

function TrainForm({ projectArn, onDone }: { projectArn: string; onDone: () => void }) {
  const rek = useRek();
  const [name, setName] = useState('');
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('');
  const act = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await act.run(() => rek('CreateProjectVersion', { ProjectArn: projectArn, VersionName: name.trim(), OutputConfig: { S3Bucket: bucket.trim(), ...(prefix.trim() ? { S3KeyPrefix: prefix.trim() } : {}) } }));
    if (r) { setName(''); onDone(); }
  };
  return (
    <form onSubmit={submit} class="row" aria-label="Train model">
      <label for="vname">Version name</label>
      <input id="vname" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      <label for="obucket">Output bucket</label>
      <input id="obucket" required value={bucket} onInput={(e) => setBucket(e.currentTarget.value)} />
      <label for="oprefix">Output key prefix</label>
      <input id="oprefix" value={prefix} onInput={(e) => setPrefix(e.currentTarget.value)} />
      <button type="submit" class="primary" disabled={act.busy}>Train model</button>
      <ErrorBox error={act.error} />
    </form>
  );
}

export function Project({ project }: { project: string }) {
  const rek = useRek();
  const p = useProject(project);
  const pages = usePages();
  const arn: string | undefined = p.data?.ProjectArn;
  const versions = useLoad(async () => arn ? rek('DescribeProjectVersions', { ProjectArn: arn, MaxResults: 20, ...(pages.token ? { NextToken: pages.token } : {}) }) : undefined, [arn, pages.token]);
  const del = useAction();
  const list: any[] = versions.data?.ProjectVersionDescriptions ?? [];
  const busy = list.some((v) => /IN_PROGRESS|STARTING|STOPPING/.test(v.Status)) || (p.data?.Datasets ?? []).some((d: any) => /IN_PROGRESS/.test(d.Status));
  useEffect(() => {
    if (!busy) return;
    const t = setInterval(() => { versions.reload(); p.reload(); }, 2000);
    return () => clearInterval(t);
  }, [busy]);
  if (p.error) return <main id="main"><h1>{project}</h1><ErrorBox error={p.error} /></main>;
  if (!p.data) return <main id="main"><h1>{project}</h1><Loading what="project" /></main>;
  const datasets: any[] = p.data.Datasets ?? [];
  const byType = (t: string) => datasets.find((d) => d.DatasetType === t);
  const deleteDataset = async (d: any) => {
    if (confirm(`Delete the ${d.DatasetType} dataset?`) && (await del.run(() => rek('DeleteDataset', { DatasetArn: d.DatasetArn })))) p.reload();
  };
  return (
    <main id="main">
      <Breadcrumbs items={[['Projects', url.projects()], [project]]} />
      <h1>{project}</h1>
      <p class="muted arn">{arn}</p>
      <p><a href={url.policies(project)}>Project policies</a></p>
      <Section title="Datasets" id="datasets">
        <ErrorBox error={del.error} />
        {(['TRAIN', 'TEST'] as const).map((t) => {
          const d = byType(t);
          return (
            <div key={t} class="dataset-row">
              <h3>{t === 'TRAIN' ? 'Training dataset' : 'Test dataset'}</h3>
              {d ? (
                <p>
                  <Status value={d.Status} /> {d.StatusMessage && <span class="muted">{d.StatusMessage}</span>}{' '}
                  <a href={url.dataset(project, t === 'TRAIN' ? 'train' : 'test')}>Open {t.toLowerCase()} dataset</a>{' '}
                  <button type="button" class="danger" onClick={() => deleteDataset(d)}>Delete {t} dataset</button>
                </p>
              ) : <ImportDataset projectArn={arn!} type={t} onDone={p.reload} />}
            </div>
          );
        })}
      </Section>
      <Section title="Models" id="models">
        <TrainForm projectArn={arn!} onDone={versions.reload} />
        <ErrorBox error={versions.error} />
        {list.length === 0 ? <p class="muted">No model versions yet.</p> : (
          <table class="list">
            <thead><tr><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Message</th><th scope="col">F1</th><th scope="col">Created</th></tr></thead>
            <tbody>{list.map((v) => {
              const name = v.ProjectVersionArn.split('/version/')[1].split('/')[0];
              return (
                <tr key={v.ProjectVersionArn}>
                  <td><a href={url.version(project, name)}>{name}</a></td>
                  <td><Status value={v.Status} /></td>
                  <td class="msg">{v.StatusMessage}</td>
                  <td>{v.EvaluationResult?.F1Score !== undefined ? v.EvaluationResult.F1Score.toFixed(3) : '–'}</td>
                  <td>{fmtDate(v.CreationTimestamp)}</td>
                </tr>
              );
            })}</tbody>
          </table>
        )}
        <Pager pages={pages} nextToken={versions.data?.NextToken} label="Model versions" />
      </Section>
      <Section title="Tags" id="tags"><TagEditor arn={arn!} /></Section>
    </main>
  );
}
