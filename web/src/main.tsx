import { render } from 'preact';
import { App } from './app';
import './styles.css';

// User Timing marks for bench/console.ts: the script is evaluated, the first render is done.
performance.mark('console:script-evaluated');
render(<App />, document.getElementById('app')!);
performance.mark('console:first-render');
