// Images from S3 (signed GetObject → blob URL) with labels and boxes drawn over them. An image is
// fetched only when its frame comes within a screen of the viewport (a page of 50 thumbnails asks
// for the dozen on screen first, and the rest as the reader scrolls).
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';
import { getObject, parseS3Uri } from '../aws/client';
import type { Session } from '../aws/session';
import { labelColour, toDisplay, type BoundingBox } from '../lib/boxes';
import { useSession } from './common';

// At most 6 image downloads at once (a page of 50 would otherwise queue behind each other anyway).
let active = 0;
const waiting: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (active >= 6) await new Promise<void>((r) => waiting.push(r));
  active++;
  try { return await fn(); } finally { active--; waiting.shift()?.(); }
}

/** True once the element has come within one screen height of the viewport (then it stays true). */
function useNearViewport(ref: RefObject<Element>): boolean {
  const [near, setNear] = useState(typeof IntersectionObserver === 'undefined');
  useLayoutEffect(() => {
    if (near || !ref.current) return;
    const io = new IntersectionObserver((seen) => { if (seen.some((e) => e.isIntersecting)) { setNear(true); io.disconnect(); } }, { rootMargin: '100% 0px' });
    io.observe(ref.current);
    return () => io.disconnect();
  }, [near]);
  return near;
}

/** A blob URL for an s3:// URI, fetched with the session's signature once `wanted`; revoked on unmount. */
export function useObjectUrl(session: Session, uri: string | undefined, wanted = true): { src?: string; error?: string } {
  const [state, setState] = useState<{ src?: string; error?: string }>({});
  useEffect(() => {
    if (!wanted) return;
    const ref = uri ? parseS3Uri(uri) : undefined;
    if (!ref) { setState({ error: uri ? 'not an s3:// URI' : undefined }); return; }
    let url: string | undefined, live = true;
    setState({});
    limited(() => getObject(session, ref.bucket, ref.key)).then((blob) => {
      if (!live) return;
      url = URL.createObjectURL(blob);
      setState({ src: url });
    }, (e) => live && setState({ error: e instanceof Error ? `${(e as any).code ?? 'Error'}: ${e.message}` : String(e) }));
    return () => { live = false; if (url) URL.revokeObjectURL(url); };
  }, [session, uri, wanted]);
  return state;
}

export interface DrawnBox { label: string; box: BoundingBox; confidence?: number; dashed?: boolean }

/**
 * An image with boxes drawn in an SVG overlay (viewBox 0..1, so boxes follow any displayed size).
 * `src` is a blob/data URL or an s3:// URI.
 */
export function BoxedImage({ src, alt, boxes = [], size = 'thumb' }: { src: string; alt: string; boxes?: DrawnBox[]; size?: 'thumb' | 'large' }) {
  const session = useSession();
  const fromS3 = src.startsWith('s3://');
  const frame = useRef<HTMLDivElement>(null);
  const near = useNearViewport(frame);
  const loaded = useObjectUrl(session, fromS3 ? src : undefined, near);
  const href = fromS3 ? loaded.src : src;
  // The frame takes the image's aspect ratio, so the overlay (inset 0) lies exactly on the pixels.
  const [ratio, setRatio] = useState<number>();
  const style = ratio ? { aspectRatio: String(ratio), width: `min(100%, calc(var(--frame-h) * ${ratio.toFixed(4)}))` } : undefined;
  const inner = (
    <div class={`boxed ${size}`} style={style}>
      {href ? <img src={href} alt={alt} onLoad={(e) => { const i = e.currentTarget; if (i.naturalHeight) setRatio(i.naturalWidth / i.naturalHeight); }} /> : <div class="placeholder" role="img" aria-label={alt}>{loaded.error ?? '…'}</div>}
      {href && boxes.length > 0 && (
        <svg viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true">
          {boxes.map((b, i) => {
            const r = toDisplay(b.box, 1, 1);
            return <rect key={i} x={r.x} y={r.y} width={r.width} height={r.height} fill="none" stroke={labelColour(b.label)} stroke-width="2" vector-effect="non-scaling-stroke" stroke-dasharray={b.dashed ? '4 3' : undefined} />;
          })}
        </svg>
      )}
      {href && boxes.length > 0 && boxes.map((b, i) => {
        const r = toDisplay(b.box, 100, 100);
        return <span key={i} class="boxlabel" style={{ left: `${r.x}%`, top: `${r.y}%`, background: labelColour(b.label) }}>{b.label}{b.confidence !== undefined ? ` ${b.confidence.toFixed(1)}%` : ''}</span>;
      })}
    </div>
  );
  return <div class={`frame ${size}`} ref={frame}>{inner}</div>;
}
