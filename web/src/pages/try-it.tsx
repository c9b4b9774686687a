// "Try it": DetectCustomLabels on an image from this computer (sent as Image.Bytes), labels listed
// and boxes drawn, filtered by a confidence slider (the call asks for MinConfidence 0, so moving
// the slider needs no new request).
import { useEffect, useState } from 'preact/hooks';
import { labelColour } from '../lib/boxes';
import { ErrorBox, Section, Status, url, useAction, useRek } from '../ui/common';
import { BoxedImage } from '../ui/image';
import { Breadcrumbs } from './project';
import { useVersion } from './version';

interface Detected { Name: string; Confidence: number; Geometry?: { BoundingBox?: { Left: number; Top: number; Width: number; Height: number } } }

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export function TryIt({ project, version }: { project: string; version: string }) {
  const rek = useRek();
  const { version: v, error } = useVersion(project, version);
  const [file, setFile] = useState<File>();
  const [preview, setPreview] = useState<string>();
  const [labels, setLabels] = useState<Detected[]>();
  const [min, setMin] = useState(50);
  const act = useAction();
  useEffect(() => {
    if (!file) return;
    const u = URL.createObjectURL(file);
    setPreview(u);
    return () => URL.revokeObjectURL(u);
  }, [file]);
  const detect = async (e: Event) => {
    e.preventDefault();
    if (!file || !v.data) return;
    setLabels(undefined);
    const r = await act.run(async () => rek('DetectCustomLabels', { ProjectVersionArn: v.data.ProjectVersionArn, Image: { Bytes: await toBase64(file) }, MinConfidence: 0 }));
    if (r) setLabels(r.CustomLabels ?? []);
  };
  const shown = (labels ?? []).filter((l) => l.Confidence >= min).sort((a, b) => b.Confidence - a.Confidence);
  return (
    <main id="main">
      <Breadcrumbs items={[['Projects', url.projects()], [project, url.project(project)], [version, url.version(project, version)], ['Try it']]} />
      <h1>Try {project} · {version}</h1>
      <ErrorBox error={error} />
      {v.data && <p><Status value={v.data.Status} /> {v.data.Status !== 'RUNNING' && <span class="muted">Start the model on its <a href={url.version(project, version) + '#running'}>version page</a> first.</span>}</p>}
      <Section title="Image" id="image">
        <form onSubmit={detect} class="inline">
          <label for="tfile">Image (JPEG or PNG)</label>
          <input id="tfile" type="file" accept="image/jpeg,image/png" onChange={(e) => { setFile(e.currentTarget.files?.[0]); setLabels(undefined); }} />
          <button type="submit" class="primary" disabled={!file || act.busy}>Detect labels</button>
        </form>
        <ErrorBox error={act.error} />
        <label for="conf">Minimum confidence: <output for="conf">{min}%</output></label>
        <input id="conf" type="range" min={0} max={100} step={1} value={min} onInput={(e) => setMin(Number(e.currentTarget.value))} />
        <div class="try">
          {preview && <BoxedImage src={preview} alt="Image to analyse" size="large" boxes={shown.filter((l) => l.Geometry?.BoundingBox).map((l) => ({ label: l.Name, box: l.Geometry!.BoundingBox!, confidence: l.Confidence }))} />}
          {labels && (
            <table class="list compact" aria-label="Detected labels">
              <thead><tr><th scope="col">Label</th><th scope="col">Confidence</th></tr></thead>
              <tbody>
                {shown.map((l, i) => <tr key={i}><td><span class="swatch" style={{ background: labelColour(l.Name) }} />{l.Name}</td><td>{l.Confidence.toFixed(1)}%</td></tr>)}
                {shown.length === 0 && <tr><td colSpan={2} class="muted">No label at or above {min}% ({labels.length} below).</td></tr>}
              </tbody>
            </table>
          )}
        </div>
      </Section>
    </main>
  );
}
