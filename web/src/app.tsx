// The console's shell: sign-in gate, header (account, region, sign out), routes. Every page has
// its own URL under /console/ (preact-iso's router; the server answers index.html for them).
// The pages the time-to-interactive goal is about (projects, a project, a dataset) are in the main
// script; the others are their own chunks, loaded when first opened (with the policy code they need).
import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, lazy, useLocation } from 'preact-iso';
import { clearSession, loadSession, saveSession, type Session } from './aws/session';
import { SessionContext, url } from './ui/common';
import { SignIn } from './pages/sign-in';
import { Projects } from './pages/projects';
import { Project } from './pages/project';
import { Dataset } from './pages/dataset';

const Version = lazy(() => import('./pages/version').then((m) => m.Version));
const Copy = lazy(() => import('./pages/copy').then((m) => m.Copy));
const Policies = lazy(() => import('./pages/policies').then((m) => m.Policies));
const TryIt = lazy(() => import('./pages/try-it').then((m) => m.TryIt));

function Home() {
  const { route } = useLocation();
  useEffect(() => route(url.projects(), true), []);
  return null;
}

function NotFound() {
  return <main id="main"><h1>Page not found</h1><p><a href={url.projects()}>Go to projects</a></p></main>;
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const signIn = (s: Session) => { saveSession(s); setSession(s); };
  const signOut = () => { clearSession(); setSession(undefined); };
  return (
    <LocationProvider>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href={url.projects()}>Osprey <span>Custom Labels</span></a>
        {session && (
          <div class="who">
            <span title="Access key ID">{session.accessKeyId}</span> · <span title="Region">{session.region}</span>
            <a href={url.copy()}>Copy a model</a>
            <button type="button" onClick={signOut}>Sign out</button>
          </div>
        )}
      </header>
      {!session ? <SignIn onSignIn={signIn} /> : (
        <SessionContext.Provider value={session}>
          <Router>
            <Route path="/console/" component={Home} />
            <Route path="/console/projects" component={Projects} />
            <Route path="/console/projects/:project" component={Project} />
            <Route path="/console/projects/:project/datasets/:type" component={Dataset} />
            <Route path="/console/projects/:project/policies" component={Policies} />
            <Route path="/console/projects/:project/versions/:version" component={Version} />
            <Route path="/console/projects/:project/versions/:version/try" component={TryIt} />
            <Route path="/console/copy" component={Copy} />
            <Route default component={NotFound} />
          </Router>
        </SessionContext.Provider>
      )}
    </LocationProvider>
  );
}
