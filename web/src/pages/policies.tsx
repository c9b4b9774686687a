// Project policies: ListProjectPolicies, a JSON editor with validation messages (the server's own
// parser, before sending), PutProjectPolicy (new, or an update with its revision id) and
// DeleteProjectPolicy.
import { useState } from 'preact/hooks';
import { parseProjectArn, policyTemplate, validatePolicy } from '../lib/policy';
import { ErrorBox, Loading, Section, url, useAction, useLoad, useRek } from '../ui/common';
import { Breadcrumbs, useProject } from './project';

export function Policies({ project }: { project: string }) {
  const rek = useRek();
  const p = useProject(project);
  const arn: string | undefined = p.data?.ProjectArn;
  const list = useLoad(async () => {
    if (!arn) return undefined;
    const out: any[] = [];
    let token: string | undefined;
    do {
      const r = await rek('ListProjectPolicies', { ProjectArn: arn, ...(token ? { NextToken: token } : {}) });
      out.push(...r.ProjectPolicies);
      token = r.NextToken;
    } while (token);
    return out;
  }, [arn]);
  const [editing, setEditing] = useState<{ name: string; revision?: string; text: string; isNew: boolean }>();
  const [account, setAccount] = useState('');
  const act = useAction();
  const ref = arn ? parseProjectArn(arn) : undefined;
  const messages = editing && ref ? validatePolicy(editing.text, ref) : [];
  const save = async (e: Event) => {
    e.preventDefault();
    if (!editing || !arn || messages.length) return;
    const ok = await act.run(() => rek('PutProjectPolicy', { ProjectArn: arn, PolicyName: editing.name.trim(), PolicyDocument: editing.text, ...(editing.revision ? { PolicyRevisionId: editing.revision } : {}) }));
    if (ok) { setEditing(undefined); list.reload(); }
  };
  const remove = async (name: string, revision: string) => {
    if (arn && confirm(`Delete policy ${name}?`) && (await act.run(() => rek('DeleteProjectPolicy', { ProjectArn: arn, PolicyName: name, PolicyRevisionId: revision })))) list.reload();
  };
  return (
    <main id="main">
      <Breadcrumbs items={[['Projects', url.projects()], [project, url.project(project)], ['Project policies']]} />
      <h1>{project} · project policies</h1>
      <p class="muted">A project policy lets another account copy this project's model versions (rekognition:CopyProjectVersion).</p>
      <ErrorBox error={p.error ?? list.error} />
      <Section title="Policies" id="policies">
        {list.loading && !list.data ? <Loading what="policies" /> : (list.data ?? []).length === 0 ? <p class="muted">No project policies.</p> : (
          <table class="list">
            <thead><tr><th scope="col">Name</th><th scope="col">Revision</th><th scope="col">Document</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>{list.data!.map((x) => (
              <tr key={x.PolicyName}>
                <td>{x.PolicyName}</td><td><code>{x.PolicyRevisionId}</code></td>
                <td><details><summary>View</summary><pre>{x.PolicyDocument}</pre></details></td>
                <td class="inline">
                  <button type="button" onClick={() => setEditing({ name: x.PolicyName, revision: x.PolicyRevisionId, text: JSON.stringify(JSON.parse(x.PolicyDocument), null, 2), isNew: false })}>Edit<span class="sr-only"> {x.PolicyName}</span></button>
                  <button type="button" class="danger" onClick={() => remove(x.PolicyName, x.PolicyRevisionId)}>Delete<span class="sr-only"> {x.PolicyName}</span></button>
                </td>
              </tr>
            ))}</tbody>
          </table>
        )}
        {!editing && ref && (
          <form class="inline" onSubmit={(e) => { e.preventDefault(); setEditing({ name: '', text: policyTemplate(ref, account || ref.accountId), isNew: true }); }}>
            <label>Account to allow <input value={account} placeholder="444455556666" pattern="\d{12}" onInput={(e) => setAccount(e.currentTarget.value)} /></label>
            <button type="submit" class="primary">Add policy</button>
          </form>
        )}
      </Section>
      {editing && (
        <Section title={editing.isNew ? 'New policy' : `Edit ${editing.name}`} id="editor">
          <form onSubmit={save} class="row">
            <label for="polname">Policy name</label>
            <input id="polname" required readOnly={!editing.isNew} value={editing.name} onInput={(e) => setEditing({ ...editing, name: e.currentTarget.value })} />
            <label for="poldoc">Policy document (JSON)</label>
            <textarea id="poldoc" rows={16} spellcheck={false} class="code" aria-describedby="polmsgs" value={editing.text} onInput={(e) => setEditing({ ...editing, text: e.currentTarget.value })} />
            <ul id="polmsgs" class="validation" aria-live="polite">
              {messages.length ? messages.map((m) => <li key={m} class="bad">{m}</li>) : <li class="ok">The policy is valid.</li>}
            </ul>
            <ErrorBox error={act.error} />
            <div class="inline">
              <button type="submit" class="primary" disabled={act.busy || messages.length > 0}>Save policy</button>
              <button type="button" onClick={() => setEditing(undefined)}>Cancel</button>
            </div>
          </form>
        </Section>
      )}
    </main>
  );
}
