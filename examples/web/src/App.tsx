/** The app's frame: a header, one navigation list, and the view named by the URL's hash (#/users…). */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Agents } from './views/Agents.js';
import { Calls } from './views/Calls.js';
import { PbxAccounts } from './views/PbxAccounts.js';
import { PlaceCall } from './views/PlaceCall.js';
import { Platforms } from './views/Platforms.js';
import { Users } from './views/Users.js';
import { TENANTS, chooseTenant, currentTenant } from './settings.js';

const VIEWS = [
  { hash: '#/', title: 'Overview' },
  { hash: '#/users', title: 'Users' },
  { hash: '#/agents', title: 'Agents' },
  { hash: '#/pbx', title: 'PBX accounts' },
  { hash: '#/call', title: 'Place an agent call' },
] as const;

type ViewHash = (typeof VIEWS)[number]['hash'];

function current(): ViewHash {
  const h = location.hash || '#/';
  return VIEWS.find((v) => v.hash === h)?.hash ?? '#/';
}

export function App(): ReactNode {
  const [view, setView] = useState<ViewHash>(current);
  useEffect(() => {
    const onHash = () => setView(current());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${VIEWS.find((v) => v.hash === view)!.title} — cxgraph`;
    // After a change of view, keyboard and screen-reader users land on its content, not back at the navigation.
    if (!first.current) document.getElementById('main')?.focus();
    first.current = false;
  }, [view]);
  return (
    <>
      <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to the content
      </a>
      <header>
        <p className="brand">cxgraph</p>
        <p className="tagline">Five contact-centre platforms behind one GraphQL schema: the reference web app.</p>
        {TENANTS.length > 1 ? <TenantSwitcher /> : null}
        <nav aria-label="Views">
          <ul>
            {VIEWS.map((v) => (
              <li key={v.hash}>
                <a href={v.hash} aria-current={v.hash === view ? 'page' : undefined}>
                  {v.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{VIEWS.find((v) => v.hash === view)!.title}</h1>
        {view === '#/' ? <Overview /> : null}
        {view === '#/users' ? <Users /> : null}
        {view === '#/agents' ? <Agents /> : null}
        {view === '#/pbx' ? <PbxAccounts /> : null}
        {view === '#/call' ? <PlaceCall /> : null}
      </main>
    </>
  );
}

/** The first page: every platform's status, then the latest calls; the status is fetched again once the calls are in. */
function Overview(): ReactNode {
  const [callsLoaded, setCallsLoaded] = useState(0);
  const onLoaded = useCallback(() => setCallsLoaded((n) => n + 1), []);
  return (
    <>
      <Platforms refreshKey={callsLoaded || undefined} />
      <Calls onLoaded={onLoaded} />
    </>
  );
}

/** The demo's tenants (VITE_CXGRAPH_TENANTS): each sees only its own accounts and data. */
function TenantSwitcher(): ReactNode {
  return (
    <p className="tenant">
      <label>
        Tenant{' '}
        <select value={currentTenant()} onChange={(e) => chooseTenant(e.target.value)}>
          {TENANTS.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
    </p>
  );
}
