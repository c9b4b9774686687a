// Edits one dataset entry: image-level labels (checkboxes, a new label) or bounding boxes drawn
// on the image with the pointer (or typed), saved with UpdateDatasetEntries.
import { useEffect, useRef, useState } from 'preact/hooks';
import { base64Utf8 as b64, buildLine, type Entry, type EntryBox } from '../lib/entries';
import { fromDrag, labelColour, toDisplay } from '../lib/boxes';
import { ErrorBox, useAction, useRek, useSession } from '../ui/common';
import { useObjectUrl } from '../ui/image';

/** `detection`: the dataset has bounding boxes, so an entry without labels opens in box mode. */
export function EntryEditor({ entry, datasetArn, labels, detection = false, onClose, onSaved }: { entry: Entry; datasetArn: string; labels: string[]; detection?: boolean; onClose: () => void; onSaved: () => void }) {
  const rek = useRek();
  const session = useSession();
  const img = useObjectUrl(session, entry.sourceRef);
  const [mode, setMode] = useState<'labels' | 'boxes'>(entry.boxes.length || (detection && !entry.labels.length) ? 'boxes' : 'labels');
  const [chosen, setChosen] = useState<string[]>(entry.labels);
  const [boxes, setBoxes] = useState<EntryBox[]>(entry.boxes);
  const [newLabel, setNewLabel] = useState('');
  const [boxLabel, setBoxLabel] = useState(labels[0] ?? '');
  const [drag, setDrag] = useState<[number, number, number, number]>();
  const [typed, setTyped] = useState('');
  const imgRef = useRef<HTMLImageElement>(null);
  const [, setLoaded] = useState(false); // re-render once the image's natural size is known
  const act = useAction();
  const heading = useRef<HTMLHeadingElement>(null);
  // Opening the editor brings it into view and moves keyboard focus to it.
  useEffect(() => { heading.current?.scrollIntoView({ block: 'start' }); heading.current?.focus(); }, [entry.sourceRef]);
  const all = [...new Set([...labels, ...entry.labels, ...entry.boxes.map((b) => b.label), ...chosen, ...boxes.map((b) => b.label)])].sort();
  const current = boxLabel || all[0] || '';

  const addLabel = (e: Event) => {
    e.preventDefault();
    const l = newLabel.trim();
    if (!l) return;
    if (mode === 'labels') setChosen([...new Set([...chosen, l])]);
    setBoxLabel(l);
    setNewLabel('');
  };
  const point = (e: PointerEvent): [number, number] => {
    const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const onDown = (e: PointerEvent) => { if (mode !== 'boxes') return; const [x, y] = point(e); (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId); setDrag([x, y, x, y]); };
  const onMove = (e: PointerEvent) => { if (drag) { const [x, y] = point(e); setDrag([drag[0], drag[1], x, y]); } };
  const onUp = (e: PointerEvent) => {
    if (!drag) return;
    const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const box = fromDrag(drag[0], drag[1], drag[2], drag[3], r.width, r.height);
    setDrag(undefined);
    if (box && current) setBoxes([...boxes, { label: current, box }]);
  };
  const save = async () => {
    const el = imgRef.current;
    const line = mode === 'labels'
      ? buildLine(entry.sourceRef, { labels: chosen })
      : buildLine(entry.sourceRef, { boxes, width: el?.naturalWidth ?? 0, height: el?.naturalHeight ?? 0 });
    if (await act.run(() => rek('UpdateDatasetEntries', { DatasetArn: datasetArn, Changes: { GroundTruth: b64(line) } }))) onSaved();
  };
  const shown = drag ? fromDrag(drag[0], drag[1], drag[2], drag[3], imgRef.current?.clientWidth ?? 1, imgRef.current?.clientHeight ?? 1, 1) : undefined;
  return (
    <section class="card editor" role="dialog" aria-modal="false" aria-labelledby="editor-h" onKeyDown={(e) => { if (e.key === 'Escape') onClose(); }}>
      <h2 id="editor-h" ref={heading} tabIndex={-1}>Edit {entry.sourceRef.split('/').pop()}</h2>
      <fieldset class="inline">
        <legend>Label type</legend>
        <label><input type="radio" name="mode" checked={mode === 'labels'} onChange={() => setMode('labels')} /> Image-level labels</label>
        <label><input type="radio" name="mode" checked={mode === 'boxes'} onChange={() => setMode('boxes')} /> Bounding boxes</label>
      </fieldset>
      <div class="editor-body">
        <div class={`boxed large${mode === 'boxes' ? ' drawing' : ''}`} style={imgRef.current?.naturalHeight ? { aspectRatio: String(imgRef.current.naturalWidth / imgRef.current.naturalHeight), width: `min(100%, calc(var(--frame-h) * ${(imgRef.current.naturalWidth / imgRef.current.naturalHeight).toFixed(4)}))` } : undefined} onPointerDown={onDown} onPointerMove={onMove} onPointerUp={onUp}>
          {img.src ? <img ref={imgRef} src={img.src} alt={entry.sourceRef} draggable={false} onLoad={() => setLoaded(true)} /> : <div class="placeholder">{img.error ?? '…'}</div>}
          {mode === 'boxes' && (
            <svg viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true">
              {[...boxes, ...(shown ? [{ label: current, box: shown }] : [])].map((b, i) => {
                const r = toDisplay(b.box, 1, 1);
                return <rect key={i} x={r.x} y={r.y} width={r.width} height={r.height} fill="none" stroke={labelColour(b.label)} stroke-width="2" vector-effect="non-scaling-stroke" />;
              })}
            </svg>
          )}
        </div>
        <div>
          <form onSubmit={addLabel} class="inline">
            <input aria-label="New label" placeholder="new label" value={newLabel} onInput={(e) => setNewLabel(e.currentTarget.value)} />
            <button type="submit">Add label</button>
          </form>
          {mode === 'labels' ? (
            <fieldset><legend>Labels of this image</legend>
              {all.map((l) => <label key={l} class="check"><input type="checkbox" checked={chosen.includes(l)} onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, l] : chosen.filter((x) => x !== l))} /> {l}</label>)}
            </fieldset>
          ) : (
            <>
              {!current && <p class="bad">Add a label first: each box needs one.</p>}
              <label>Label for new boxes <select value={current} onChange={(e) => setBoxLabel(e.currentTarget.value)}>{all.map((l) => <option key={l}>{l}</option>)}</select></label>
              <p class="muted">Drag on the image to draw a box, or type one.</p>
              <form class="inline" onSubmit={(e) => {
                e.preventDefault();
                const v = typed.split(/[\s,]+/).filter(Boolean).map(Number);
                if (v.length === 4 && v.every((x) => Number.isFinite(x) && x >= 0 && x <= 100) && v[2]! > 0 && v[3]! > 0 && current) {
                  setBoxes([...boxes, { label: current, box: { Left: v[0]! / 100, Top: v[1]! / 100, Width: Math.min(v[2]!, 100 - v[0]!) / 100, Height: Math.min(v[3]!, 100 - v[1]!) / 100 } }]);
                  setTyped('');
                }
              }}>
                <input aria-label="Box as left, top, width, height in % of the image" placeholder="left, top, width, height (%)" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
                <button type="submit">Add box</button>
              </form>
              <ol class="boxes">{boxes.map((b, i) => (
                <li key={i}><span class="swatch" style={{ background: labelColour(b.label) }} />{b.label} ({(b.box.Left * 100).toFixed(0)}%, {(b.box.Top * 100).toFixed(0)}%, {(b.box.Width * 100).toFixed(0)}×{(b.box.Height * 100).toFixed(0)}%)
                  <button type="button" class="link" onClick={() => setBoxes(boxes.filter((_, j) => j !== i))}>Remove<span class="sr-only"> box {i + 1}</span></button></li>
              ))}</ol>
            </>
          )}
          <ErrorBox error={act.error} />
          <div class="inline">
            <button type="button" class="primary" disabled={act.busy} onClick={save}>Save labels</button>
            <button type="button" onClick={onClose}>Cancel</button>
          </div>
        </div>
      </div>
    </section>
  );
}
