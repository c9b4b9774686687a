// Projects: DescribeProjects (paginated), CreateProject (with tags), DeleteProject.
import { useState } from 'preact/hooks';
import { ErrorBox, Loading, Pager, Section, Status, fmtDate, url, useAction, useLoad, usePages, useRek } from '../ui/common';
import { TagEditor, parseTags } from '../ui/tags';

export function Projects() {
  const rek = useRek();
  const pages = usePages();
  const list = useLoad(() => rek('DescribeProjects', { MaxResults: 20, ...(pages.token ? { NextToken: pages.token } : {}) }), [pages.token]);
  const [name, setName] = useState('');
  const [tags, setTags] = useState('');
  const create = useAction();
  const del = useAction();
  const onCreate = async (e: Event) => {
    e.preventDefault();
    const Tags = parseTags(tags);
    const ok = await create.run(() => rek('CreateProject', { ProjectName: name.trim(), ...(Object.keys(Tags).length ? { Tags } : {}) }));
    if (ok) { setName(''); setTags(''); pages.reset(); list.reload(); }
  };
  const onDelete = async (arn: string, n: string) => {
    if (!confirm(`Delete project ${n}? Its datasets go with it.`)) return;
    if (await del.run(() => rek('DeleteProject', { ProjectArn: arn }))) list.reload();
  };
  const projects: any[] = list.data?.ProjectDescriptions ?? [];
  return (
    <main id="main">
      <h1>Projects</h1>
      <Section title="Create project" id="create">
        <form onSubmit={onCreate} class="row">
          <label for="pname">Project name</label>
          <input id="pname" required pattern="[a-zA-Z0-9_.\-]{1,255}" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <label for="ptags">Tags (key=value, comma-separated)</label>
          <input id="ptags" value={tags} placeholder="team=vision" onInput={(e) => setTags(e.currentTarget.value)} />
          <button type="submit" class="primary" disabled={create.busy}>Create project</button>
        </form>
        <ErrorBox error={create.error} />
      </Section>
      <Section title="Your projects" id="list">
        <ErrorBox error={list.error ?? del.error} />
        {list.loading && !list.data ? <Loading what="projects" /> : projects.length === 0 ? <p class="muted">No projects yet.</p> : (
          <table class="list">
            <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Tags</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {projects.map((p) => {
                const n = p.ProjectArn.split(':project/')[1].split('/')[0];
                return (
                  <tr key={p.ProjectArn}>
                    <td><a href={url.project(n)}>{n}</a></td>
                    <td><Status value={p.Status} /></td>
                    <td>{fmtDate(p.CreationTimestamp)}</td>
                    <td><TagEditor arn={p.ProjectArn} compact /></td>
                    <td><button type="button" class="danger" onClick={() => onDelete(p.ProjectArn, n)}>Delete<span class="sr-only"> {n}</span></button></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <Pager pages={pages} nextToken={list.data?.NextToken} label="Projects" />
      </Section>
    </main>
  );
}
