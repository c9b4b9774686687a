// A model version: live status (polled while training, copying, starting or stopping), its data,
// the evaluation (per-label metrics, confusion matrix, test images wrong first), the output files,
// and running it (StartProjectVersion with min/max inference units, StopProjectVersion).
import { useEffect, useState } from 'preact/hooks';
import { getObject, getText } from '../aws/client';
import { progressOf } from '../lib/progress';
import { parseSummary, parseTestResults, pct, rowShare, type TestResult } from '../lib/metrics';
import { ErrorBox, Loading, Section, Status, fmtDate, url, useAction, useLoad, useRek, useSession } from '../ui/common';
import { BoxedImage } from '../ui/image';
import { TagEditor } from '../ui/tags';
import { Breadcrumbs, useProject } from './project';

export function useVersion(project: string, version: string) {
  const rek = useRek();
  const p = useProject(project);
  const arn: string | undefined = p.data?.ProjectArn;
  const v = useLoad(async () => {
    if (!arn) return undefined;
    const r = await rek('DescribeProjectVersions', { ProjectArn: arn, VersionNames: [version] });
    const d = r.ProjectVersionDescriptions?.[0];
    if (!d) throw Object.assign(new Error(`Model version ${version} was not found in project ${project}.`), { code: 'ResourceNotFoundException' });
    return d;
  }, [arn, version]);
  const moving = /IN_PROGRESS|STARTING|STOPPING|DELETING/.test(v.data?.Status ?? '');
  useEffect(() => {
    if (!moving) return;
    const t = setInterval(v.reload, 1500);
    return () => clearInterval(t);
  }, [moving]);
  return { project: p, version: v, error: p.error ?? v.error };
}

/** Every S3 object a description names (output files), with the field it came from. */
export function outputFiles(d: any): { what: string; bucket: string; key: string }[] {
  const out: { what: string; bucket: string; key: string }[] = [];
  const walk = (o: any, path: string) => {
    if (!o || typeof o !== 'object') return;
    if (typeof o.Bucket === 'string' && typeof o.Name === 'string') { out.push({ what: path, bucket: o.Bucket, key: o.Name }); return; }
    for (const [k, x] of Object.entries(o)) walk(x, path ? `${path}.${k}` : k);
  };
  for (const k of ['EvaluationResult', 'ManifestSummary', 'TrainingDataResult', 'TestingDataResult']) walk(d?.[k], k);
  return out.filter((f, i) => out.findIndex((g) => g.bucket === f.bucket && g.key === f.key) === i && f.what !== 'TrainingDataResult.Input' && !f.what.includes('.Input.'));
}

function Download({ bucket, objectKey }: { bucket: string; objectKey: string }) {
  const session = useSession();
  const act = useAction();
  const go = () => act.run(async () => {
    const blob = await getObject(session, bucket, objectKey);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = objectKey.split('/').pop()!;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  });
  return <><button type="button" class="link" onClick={go} disabled={act.busy}>{objectKey.split('/').pop()}</button><ErrorBox error={act.error} /></>;
}

function Evaluation({ d }: { d: any }) {
  const session = useSession();
  const ref = d.EvaluationResult?.Summary?.S3Object;
  const summary = useLoad(async () => (ref ? parseSummary(JSON.parse(await getText(session, ref.Bucket, ref.Name))) : undefined), [ref?.Bucket, ref?.Name]);
  if (!ref) return <p class="muted">No evaluation yet.</p>;
  if (summary.error) return <ErrorBox error={summary.error} />;
  const s = summary.data;
  if (!s) return <Loading what="evaluation" />;
  return (
    <>
      <p class="stats">F1 {d.EvaluationResult.F1Score?.toFixed(3)} · precision {pct(s.aggregate.precision)} · recall {pct(s.aggregate.recall)} · {s.trainingImages} training images · {s.testImages} test images</p>
      <table class="list metrics" aria-label="Per-label metrics">
        <thead><tr><th scope="col">Label</th><th scope="col">Test images</th><th scope="col">Precision</th><th scope="col">Recall</th><th scope="col">F1</th><th scope="col">Assumed threshold</th></tr></thead>
        <tbody>{s.labels.map((l) => (
          <tr key={l.label}><th scope="row">{l.label}</th><td>{l.testImages}</td><td>{pct(l.precision)}</td><td>{pct(l.recall)}</td><td>{l.f1.toFixed(3)}</td><td>{l.threshold.toFixed(3)}</td></tr>
        ))}</tbody>
      </table>
      <h3>Confusion matrix</h3>
      <div class="scroll">
        <table class="matrix" aria-label="Confusion matrix">
          <caption class="muted">Rows: ground truth · columns: predicted</caption>
          <thead><tr><th scope="col"><span class="sr-only">Ground truth</span></th>{s.matrixLabels.map((l) => <th key={l} scope="col">{l}</th>)}</tr></thead>
          <tbody>{s.matrixLabels.map((gt, i) => (
            <tr key={gt}><th scope="row">{gt}</th>{s.matrixLabels.map((pr, j) => {
              const share = rowShare(s.matrix, i, j);
              return <td key={pr} class={i === j ? 'diag' : share > 0 ? 'off' : ''} style={{ '--share': share.toFixed(3) } as any}>{s.matrix[i]![j]}</td>;
            })}</tr>
          ))}</tbody>
        </table>
      </div>
    </>
  );
}

/** Where the training and test data came from, and the manifest summary's line counts. */
function DataUsed({ d, project }: { d: any; project: string }) {
  const session = useSession();
  const ref = d.ManifestSummary?.S3Object;
  const summary = useLoad(async () => (ref ? JSON.parse(await getText(session, ref.Bucket, ref.Name)) : undefined), [ref?.Bucket, ref?.Name]);
  const source = (input: any, type: 'train' | 'test') => {
    const assets: any[] = input?.Assets ?? [];
    if (assets.length) return assets.map((a) => `s3://${a.GroundTruthManifest?.S3Object?.Bucket}/${a.GroundTruthManifest?.S3Object?.Name}`).join(', ');
    if (input?.AutoCreate) return 'split from the training data (AutoCreate)';
    return d.SourceProjectVersionArn ? 'copied with the model' : <a href={url.dataset(project, type)}>the project's {type === 'train' ? 'training' : 'test'} dataset</a>;
  };
  const stats = (k: 'training' | 'testing') => {
    const s = summary.data?.statistics?.[k];
    return s ? ` · ${s.valid_json_lines} valid, ${s.invalid_json_lines} invalid, ${s.ignored_json_lines} ignored lines (${s.use_case})` : '';
  };
  return (
    <>
      <dt>Training data</dt><dd>{source(d.TrainingDataResult?.Input, 'train')}{stats('training')}</dd>
      <dt>Test data</dt><dd>{source(d.TestingDataResult?.Input, 'test')}{stats('testing')}</dd>
      {summary.error ? <><dt>Manifest summary</dt><dd><ErrorBox error={summary.error} /></dd></> : null}
    </>
  );
}

const TEST_PAGE = 24;

function TestImages({ d }: { d: any }) {
  const session = useSession();
  const f = outputFiles(d).find((x) => /(^|\/)TestingGroundTruth-/.test(x.key));
  const ref = f && { Bucket: f.bucket, Name: f.key };
  const results = useLoad(async () => (ref ? parseTestResults(await getText(session, ref.Bucket, ref.Name)) : undefined), [ref?.Bucket, ref?.Name]);
  const [page, setPage] = useState(0);
  const [onlyWrong, setOnlyWrong] = useState(false);
  if (!ref) return <p class="muted">No test results yet.</p>;
  if (results.error) return <ErrorBox error={results.error} />;
  if (!results.data) return <Loading what="test results" />;
  const rows: TestResult[] = onlyWrong ? results.data.filter((r) => !r.correct) : results.data;
  const wrong = results.data.filter((r) => !r.correct).length;
  const shown = rows.slice(page * TEST_PAGE, (page + 1) * TEST_PAGE);
  return (
    <>
      <p>{wrong} of {results.data.length} test images wrong. <label><input type="checkbox" checked={onlyWrong} onChange={(e) => { setOnlyWrong(e.currentTarget.checked); setPage(0); }} /> Only wrong ones</label></p>
      <ul class="grid" aria-label="Test images">{shown.map((r) => (
        <li key={r.sourceRef} class={`entry ${r.correct ? 'right' : 'wrong'}`}>
          {r.truthBoxes.length || r.predictedBoxes.length ? (
            <div class="pair">
              <BoxedImage src={r.sourceRef} alt={`${r.sourceRef.split('/').pop()} ground truth`} boxes={r.truthBoxes} />
              <BoxedImage src={r.sourceRef} alt={`${r.sourceRef.split('/').pop()} prediction`} boxes={r.predictedBoxes.map((b) => ({ label: b.label, box: b.box, confidence: b.confidence * 100, dashed: !b.truePositive }))} />
            </div>
          ) : <BoxedImage src={r.sourceRef} alt={r.sourceRef.split('/').pop()!} />}
          <dl class="entry-body">
            <dt>Ground truth</dt><dd>{r.truth.join(', ') || '–'}</dd>
            <dt>Predicted</dt><dd>{r.predicted.map((x) => `${x.label} (${(x.confidence * 100).toFixed(0)}%)`).join(', ') || '–'}</dd>
            <dt class="sr-only">Result</dt><dd class={r.correct ? 'ok' : 'bad'}>{r.correct ? 'correct' : 'wrong'}</dd>
          </dl>
        </li>
      ))}</ul>
      {rows.length > TEST_PAGE && (
        <nav class="pager" aria-label="Test image pages">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>← Previous</button>
          <span>Page {page + 1} of {Math.ceil(rows.length / TEST_PAGE)}</span>
          <button type="button" disabled={(page + 1) * TEST_PAGE >= rows.length} onClick={() => setPage(page + 1)}>Next →</button>
        </nav>
      )}
    </>
  );
}

function Running({ d, onChange }: { d: any; onChange: () => void }) {
  const rek = useRek();
  const [min, setMin] = useState(1);
  const [max, setMax] = useState('');
  const act = useAction();
  const start = async (e: Event) => {
    e.preventDefault();
    if (await act.run(() => rek('StartProjectVersion', { ProjectVersionArn: d.ProjectVersionArn, MinInferenceUnits: min, ...(max ? { MaxInferenceUnits: Number(max) } : {}) }))) onChange();
  };
  const stop = async () => { if (await act.run(() => rek('StopProjectVersion', { ProjectVersionArn: d.ProjectVersionArn }))) onChange(); };
  const running = d.Status === 'RUNNING' || d.Status === 'STARTING';
  return (
    <>
      <p>Inference units: {d.MinInferenceUnits ?? '–'} min{d.MaxInferenceUnits ? `, ${d.MaxInferenceUnits} max` : ''}</p>
      {running ? <button type="button" class="danger" disabled={act.busy} onClick={stop}>Stop model</button> : (
        <form onSubmit={start} class="inline">
          <label>Minimum inference units <input type="number" min={1} required value={min} onInput={(e) => setMin(Number(e.currentTarget.value))} size={4} /></label>
          <label>Maximum inference units <input type="number" min={1} value={max} onInput={(e) => setMax(e.currentTarget.value)} size={4} /></label>
          <button type="submit" class="primary" disabled={act.busy}>Start model</button>
        </form>
      )}
      <ErrorBox error={act.error} />
    </>
  );
}

export function Version({ project, version }: { project: string; version: string }) {
  const rek = useRek();
  const { project: p, version: v, error } = useVersion(project, version);
  const del = useAction();
  const d = v.data;
  const moving = /IN_PROGRESS|STARTING|STOPPING/.test(d?.Status ?? '');
  const progress = progressOf(d?.StatusMessage);
  const crumbs = <Breadcrumbs items={[['Projects', url.projects()], [project, url.project(project)], [version]]} />;
  if (error) return <main id="main">{crumbs}<h1>{version}</h1><ErrorBox error={error} /></main>;
  if (!d) return <main id="main">{crumbs}<h1>{version}</h1><Loading what="model version" /></main>;
  const done = d.Status === 'TRAINING_COMPLETED' || d.Status === 'COPYING_COMPLETED' || /RUNNING|STOPPED|STARTING|STOPPING|FAILED$/.test(d.Status) && !!d.EvaluationResult;
  const remove = async () => {
    if (confirm(`Delete model version ${version}?`) && (await del.run(() => rek('DeleteProjectVersion', { ProjectVersionArn: d.ProjectVersionArn })))) location.assign(url.project(project));
  };
  return (
    <main id="main">
      {crumbs}
      <h1>{project} · {version}</h1>
      <p class="muted arn">{d.ProjectVersionArn}</p>
      <Section title="Status" id="status">
        <p aria-live="polite"><Status value={d.Status} /> <span class="status-message">{d.StatusMessage}</span></p>
        {moving && progress && <progress max={progress.max} value={progress.value} aria-label="Progress">{progress.value} of {progress.max}</progress>}
        <dl class="facts">
          <dt>Created</dt><dd>{fmtDate(d.CreationTimestamp)}</dd>
          <dt>Training ended</dt><dd>{fmtDate(d.TrainingEndTimestamp)}</dd>
          <dt>Billable training time</dt><dd>{d.BillableTrainingTimeInSeconds !== undefined ? `${d.BillableTrainingTimeInSeconds} s` : '–'}</dd>
          <dt>Output</dt><dd>{d.OutputConfig ? `s3://${d.OutputConfig.S3Bucket}/${d.OutputConfig.S3KeyPrefix ?? ''}` : '–'}</dd>
          <dt>KMS key</dt><dd>{d.KmsKeyId ?? 'AWS owned key'}</dd>
          {d.SourceProjectVersionArn && <><dt>Copied from</dt><dd class="arn">{d.SourceProjectVersionArn}</dd></>}
          <DataUsed d={d} project={project} />
        </dl>
        <p class="inline">
          <a href={url.copy(p.data?.ProjectArn, d.ProjectVersionArn)}>Copy this model</a>
          <a href={url.tryIt(project, version)}>Try it</a>
          <button type="button" class="danger" onClick={remove}>Delete version</button>
        </p>
        <ErrorBox error={del.error} />
      </Section>
      <Section title="Running" id="running"><Running d={d} onChange={v.reload} /></Section>
      <Section title="Evaluation" id="evaluation">{done ? <Evaluation d={d} /> : <p class="muted">The evaluation appears when training completes.</p>}</Section>
      <Section title="Test images" id="test-images">{done ? <TestImages d={d} /> : <p class="muted">—</p>}</Section>
      <Section title="Output files" id="outputs">
        <ul class="files">{outputFiles(d).map((f) => <li key={f.key}><Download bucket={f.bucket} objectKey={f.key} /> <span class="muted">s3://{f.bucket}/{f.key}</span></li>)}</ul>
      </Section>
      <Section title="Tags" id="tags"><TagEditor arn={d.ProjectVersionArn} /></Section>
    </main>
  );
}
