// Shared pieces of every page: the session context, data loading, AWS-shaped error display,
// pagination and status badges.
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { ApiError, rekognition } from '../aws/client';
import type { Session } from '../aws/session';

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('not signed in');
  return s;
}

/** Calls a Rekognition operation as the signed-in user. */
export function useRek() {
  const s = useSession();
  return useCallback(<T = any>(op: string, input: object = {}) => rekognition<T>(s, op, input), [s]);
}

export interface Loaded<T> { data?: T; error?: unknown; loading: boolean; reload: () => void }

/**
 * Runs `fn` when `deps` change (and on reload); the latest answer wins. The request starts as soon
 * as the component is in the DOM (a layout effect), not after the next frame is painted; `afterPaint`
 * waits for the paint instead, for secondary data (a row's tags) that should not delay the page
 * (fixed for the life of the component: it picks which hook runs).
 */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[], { afterPaint = false } = {}): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  (afterPaint ? useEffect : useLayoutEffect)(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    fn().then((data) => { if (mine === seq.current) setState({ data, loading: false }); },
      (error) => { if (mine === seq.current) setState({ error, loading: false }); });
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** Runs an action, keeping its error for display and a busy flag for the button. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true); setError(undefined);
    try { return await fn(); } catch (e) { setError(e); return undefined; } finally { setBusy(false); }
  };
  return { busy, error, run, setError };
}

/** An API error as AWS shows it: the error code, then the message. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return <div class="error" role="alert"><strong class="code">{code}</strong> {message}</div>;
}

export function Loading({ what }: { what: string }) {
  return <p class="muted" aria-live="polite">Loading {what}…</p>;
}

/**
 * NextToken pagination: keeps the tokens of the pages seen so "Previous" works.
 * `token` is the current page's token; call `next(tokenFromAnswer)` or `prev()`.
 */
export function usePages() {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  const token = stack[stack.length - 1];
  return {
    token, page: stack.length,
    next: (t: string) => setStack((s) => [...s, t]),
    prev: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([undefined]),
  };
}

export function Pager({ pages, nextToken, label }: { pages: ReturnType<typeof usePages>; nextToken?: string; label: string }) {
  if (pages.page === 1 && !nextToken) return null;
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" disabled={pages.page === 1} onClick={pages.prev}>← Previous</button>
      <span>Page {pages.page}</span>
      <button type="button" disabled={!nextToken} onClick={() => nextToken && pages.next(nextToken)}>Next →</button>
    </nav>
  );
}

const STATUS_CLASS: Record<string, string> = { COMPLETED: 'ok', RUNNING: 'ok', COMPLETE: 'ok', FAILED: 'bad', STOPPED: 'idle', DELETING: 'idle' };

export function Status({ value }: { value?: string }) {
  if (!value) return null;
  const kind = value.endsWith('IN_PROGRESS') || value === 'STARTING' || value === 'STOPPING' ? 'busy' : STATUS_CLASS[value.split('_').pop()!] ?? 'idle';
  return <span class={`status ${kind}`}>{value}</span>;
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return <section class="card" id={id} aria-labelledby={id && `${id}-h`}><h2 id={id && `${id}-h`}>{title}</h2>{children}</section>;
}

export const fmtDate = (v?: number | string | Date) => {
  if (v === undefined) return '–';
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
  return Number.isNaN(d.getTime()) ? '–' : d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
};

/** Console URLs (one place, so links and routes agree). */
export const url = {
  projects: () => '/console/projects',
  project: (p: string) => `/console/projects/${encodeURIComponent(p)}`,
  dataset: (p: string, type: 'train' | 'test') => `/console/projects/${encodeURIComponent(p)}/datasets/${type}`,
  version: (p: string, v: string) => `/console/projects/${encodeURIComponent(p)}/versions/${encodeURIComponent(v)}`,
  tryIt: (p: string, v: string) => `/console/projects/${encodeURIComponent(p)}/versions/${encodeURIComponent(v)}/try`,
  policies: (p: string) => `/console/projects/${encodeURIComponent(p)}/policies`,
  copy: (projectArn?: string, versionArn?: string) => `/console/copy${projectArn && versionArn ? `?project=${encodeURIComponent(projectArn)}&source=${encodeURIComponent(versionArn)}` : ''}`,
};
