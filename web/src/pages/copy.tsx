// Copy a model version (CopyProjectVersion): source version ARN (any account), destination project
// (one of yours, or an ARN), version name, output bucket and prefix, tags and KMS key. Before
// submitting it shows the source project's policies (ListProjectPolicies, when this caller may
// read them) and whether they would let this caller copy (the server's own evaluator).
import { useState } from 'preact/hooks';
import { decideCopy, parseProjectArn } from '../lib/policy';
import { ErrorBox, Section, url, useAction, useLoad, useRek, useSession } from '../ui/common';
import { parseTags } from '../ui/tags';
import { Breadcrumbs } from './project';

export function Copy() {
  const rek = useRek();
  const session = useSession();
  const q = new URLSearchParams(location.search);
  const [source, setSource] = useState(q.get('source') ?? '');
  const [sourceProjectArn, setSourceProject] = useState(q.get('project') ?? '');
  const isVersion = /\/version\/[^/]+\/\d+$/.test(source);
  const isProject = /:project\/[^/]+\/\d+$/.test(sourceProjectArn);
  const [checkAccount, setCheckAccount] = useState('');
  const projects = useLoad(async () => {
    const all: any[] = [];
    let token: string | undefined;
    do {
      const r = await rek('DescribeProjects', { MaxResults: 100, ...(token ? { NextToken: token } : {}) });
      all.push(...r.ProjectDescriptions);
      token = r.NextToken;
    } while (token && all.length < 1000);
    return all;
  }, []);
  const policies = useLoad(async () => {
    if (!isProject) return undefined;
    const out: any[] = [];
    let token: string | undefined;
    do {
      const r = await rek('ListProjectPolicies', { ProjectArn: sourceProjectArn, ...(token ? { NextToken: token } : {}) });
      out.push(...r.ProjectPolicies);
      token = r.NextToken;
    } while (token);
    return out;
  }, [sourceProjectArn]);
  const [dest, setDest] = useState('');
  const [name, setName] = useState('');
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('');
  const [tags, setTags] = useState('');
  const [kms, setKms] = useState('');
  const act = useAction();
  const destArn = dest || projects.data?.[0]?.ProjectArn || '';
  const callerAccount = parseProjectArn(destArn)?.accountId ?? (/^\d{12}$/.test(session.accessKeyId) ? session.accessKeyId : undefined);
  const account = /^\d{12}$/.test(checkAccount) ? checkAccount : callerAccount;
  const decision = isVersion && account && policies.data ? decideCopy(policies.data.map((p) => p.PolicyDocument), source, account, session.region) : undefined;
  const submit = async (e: Event) => {
    e.preventDefault();
    const Tags = parseTags(tags);
    const r = await act.run(() => rek('CopyProjectVersion', {
      SourceProjectArn: sourceProjectArn, SourceProjectVersionArn: source.trim(), DestinationProjectArn: destArn, VersionName: name.trim(),
      OutputConfig: { S3Bucket: bucket.trim(), ...(prefix.trim() ? { S3KeyPrefix: prefix.trim() } : {}) },
      ...(Object.keys(Tags).length ? { Tags } : {}), ...(kms.trim() ? { KmsKeyId: kms.trim() } : {}),
    }));
    if (r) location.assign(url.version(parseProjectArn(destArn)!.name, name.trim()));
  };
  return (
    <main id="main">
      <Breadcrumbs items={[['Projects', url.projects()], ['Copy model']]} />
      <h1>Copy model version</h1>
      <Section title="Source" id="source">
        <label for="srcp">Source project ARN</label>
        <input id="srcp" class="wide" value={sourceProjectArn} onInput={(e) => setSourceProject(e.currentTarget.value.trim())} placeholder="arn:aws:rekognition:us-east-1:111122223333:project/name/1700000000000" />
        {sourceProjectArn && !isProject && <p class="bad">This is not a project ARN.</p>}
        <label for="src">Source model version ARN</label>
        <input id="src" class="wide" value={source} onInput={(e) => setSource(e.currentTarget.value.trim())} placeholder="arn:aws:rekognition:us-east-1:111122223333:project/name/version/v1/123" />
        {source && !isVersion && <p class="bad">This is not a model version ARN.</p>}
        <h3>Project policies of the source</h3>
        {policies.error ? <><p class="muted">This account cannot read the source project's policies; the copy is still checked by the server.</p><ErrorBox error={policies.error} /></> : null}
        {policies.data?.length === 0 && <p class="muted">The source project has no project policies.</p>}
        {policies.data?.map((p) => <details key={p.PolicyName}><summary>{p.PolicyName} <span class="muted">revision {p.PolicyRevisionId}</span></summary><pre>{p.PolicyDocument}</pre></details>)}
        <div class="inline">
          <label for="chk">Check for account</label>
          <input id="chk" value={checkAccount} placeholder={callerAccount ?? '123456789012'} pattern="\d{12}" onInput={(e) => setCheckAccount(e.currentTarget.value.trim())} />
        </div>
        {decision && <p class={`decision ${decision.decision.startsWith('Allow') ? 'ok' : 'bad'}`} role="status"><strong>{decision.decision.startsWith('Allow') ? 'Allowed' : 'Not allowed'}</strong> (account {account}): {decision.reason}</p>}
      </Section>
      <Section title="Destination" id="destination">
        <form onSubmit={submit} class="row">
          <label for="dest">Destination project</label>
          <select id="dest" value={destArn} onChange={(e) => setDest(e.currentTarget.value)}>
            {(projects.data ?? []).map((p) => <option key={p.ProjectArn} value={p.ProjectArn}>{p.ProjectArn.split(':project/')[1].split('/')[0]}</option>)}
          </select>
          <label for="cname">New version name</label>
          <input id="cname" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <label for="cbucket">Output bucket</label>
          <input id="cbucket" required value={bucket} onInput={(e) => setBucket(e.currentTarget.value)} />
          <label for="cprefix">Output key prefix</label>
          <input id="cprefix" value={prefix} onInput={(e) => setPrefix(e.currentTarget.value)} />
          <label for="ctags">Tags (key=value, comma-separated)</label>
          <input id="ctags" value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
          <label for="ckms">KMS key (ID, ARN or alias; empty: the default key)</label>
          <input id="ckms" value={kms} onInput={(e) => setKms(e.currentTarget.value)} />
          <button type="submit" class="primary" disabled={act.busy || !isVersion || !isProject || !destArn}>Copy model</button>
          <ErrorBox error={act.error ?? projects.error} />
        </form>
      </Section>
    </main>
  );
}
