// Sign-in: an access key pair and a region, checked with one signed DescribeProjects call, then
// kept in this tab's sessionStorage only.
import { useState } from 'preact/hooks';
import { ApiError, rekognition } from '../aws/client';
import { REGIONS, type Session } from '../aws/session';
import { ErrorBox } from '../ui/common';

export function SignIn({ onSignIn }: { onSignIn: (s: Session) => void }) {
  const [accessKeyId, setKey] = useState('');
  const [secretAccessKey, setSecret] = useState('');
  const [region, setRegion] = useState('us-east-1');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const s = { accessKeyId: accessKeyId.trim(), secretAccessKey, region };
    setBusy(true); setError(undefined);
    try {
      await rekognition(s, 'DescribeProjects', { MaxResults: 1 });
      onSignIn(s);
    } catch (err) {
      // AccessDenied means the keys and signature were accepted; the identity policy just does not
      // allow DescribeProjects. Any other error (unknown key, bad signature, network) stops here.
      if (err instanceof ApiError && err.code === 'AccessDeniedException') onSignIn(s);
      else setError(err);
    } finally { setBusy(false); }
  };
  return (
    <main class="signin" id="main">
      <h1>Sign in to Osprey</h1>
      <p class="muted">Rekognition Custom Labels console. Your keys sign each request in this browser (SigV4) and are kept in this tab only.</p>
      <form onSubmit={submit} class="card">
        <label for="ak">Access key ID</label>
        <input id="ak" name="accessKeyId" autocomplete="username" required value={accessKeyId} onInput={(e) => setKey(e.currentTarget.value)} />
        <label for="sk">Secret access key</label>
        <input id="sk" name="secretAccessKey" type="password" autocomplete="current-password" required value={secretAccessKey} onInput={(e) => setSecret(e.currentTarget.value)} />
        <label for="region">Region</label>
        <select id="region" value={region} onChange={(e) => setRegion(e.currentTarget.value)}>
          {REGIONS.map((r) => <option key={r} value={r}>{r}</option>)}
        </select>
        <ErrorBox error={error} />
        <button type="submit" class="primary" disabled={busy}>Sign in</button>
      </form>
    </main>
  );
}
