import { useEffect, useRef, useState } from 'preact/hooks';
import { needsToken, onAuthChange, rememberToken } from './api';
import { feed } from './live';
import { href, useRoute, type Route } from './router';
import { DocumentPage } from './pages/document';
import { FleetPage } from './pages/fleet';
import { Overview } from './pages/overview';
import { RejectionsPage } from './pages/rejections';
import { RolloutsPage } from './pages/rollouts';

const NAV = [
  ['', 'Overview'],
  ['rejections', 'Rejections'],
  ['fleet', 'Fleet'],
  ['rollouts', 'Rollouts'],
] as const;

function Page({ route }: { route: Route }) {
  switch (route.parts[0]) {
    case 'doc':
      return <DocumentPage route={route} />;
    case 'rejections':
      return <RejectionsPage />;
    case 'fleet':
      return <FleetPage route={route} />;
    case 'rollouts':
      return <RolloutsPage route={route} />;
    default:
      return <Overview />;
  }
}

/** Asked for only after the server answered 401; the token lives in sessionStorage. */
function TokenForm() {
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <form
      class="token"
      aria-labelledby="token-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (!value.trim()) return;
        rememberToken(value.trim());
        feed.start();
      }}
    >
      <h1 id="token-title">Sign in</h1>
      <p>This server needs a token. It is kept for this browser tab only.</p>
      <div class="field">
        <label for="token">Access token</label>
        <input
          id="token"
          ref={input}
          type="password"
          autocomplete="off"
          required
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
      </div>
      <button type="submit">Sign in</button>
    </form>
  );
}

/** The console: skip link, header with navigation, the page, and the live status. */
export function App() {
  const route = useRoute();
  const [tokenNeeded, setTokenNeeded] = useState(needsToken());
  const [live, setLive] = useState(feed.live);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => onAuthChange(() => setTokenNeeded(needsToken())), []);
  useEffect(() => feed.onStatus(setLive), []);
  useEffect(() => {
    feed.start();
    return () => feed.stop();
  }, []);
  // A new page: move focus to its heading, so keyboard and screen reader users start there.
  const key = route.parts.join('/');
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = main.current?.querySelector('h1');
    (heading ?? main.current)?.focus();
  }, [key]);
  const section = route.parts[0] ?? '';
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          hotconf
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([id, title]) => (
              <li>
                <a
                  href={id ? href(id) : '#/'}
                  aria-current={
                    section === id || (id === '' && section === 'doc') ? 'page' : undefined
                  }
                >
                  {title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <p class={live ? 'live on' : 'live'} role="status">
          {live ? 'Live' : 'Connecting…'}
        </p>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {tokenNeeded ? <TokenForm /> : <Page route={route} />}
      </main>
      <footer>
        <p>
          hotconf console · data from this server only · <a href="/v1/services">JSON API</a>
        </p>
      </footer>
    </>
  );
}
