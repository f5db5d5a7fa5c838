/**
 * Connected PBX accounts, and **Connect a PBX account**: `beginPbxConnection` gives the PBX's consent page
 * (`authorizationUrl`), opened in a popup; the PBX sends the browser back to cxgraph's callback, which finishes the
 * connection (and, with PBX_RETURN_URL set to this app's /pbx-connected.html, closes the popup). When the popup
 * closes, however it closes, the list is fetched again.
 */
import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { graphql } from '../gql/index.js';
import { statusText } from '../ui/format.js';
import { Problems } from '../ui/problems.js';

const PbxAccountsQuery = graphql(`
  query PbxAccounts {
    pbxAccounts {
      id
      login
      admin
      access
      clientId
      timezone
      status
    }
  }
`);

const BeginPbxConnection = graphql(`
  mutation BeginPbxConnection {
    beginPbxConnection {
      authorizationUrl
    }
  }
`);

/** What pbx-connected.html posts to its opener before it closes. */
interface ConnectionMessage {
  type: 'cxgraph:pbx-connection';
  account?: string;
  error?: string;
}

export function PbxAccounts(): ReactNode {
  const { data, error, loading, refetch } = useQuery(PbxAccountsQuery, { fetchPolicy: 'cache-and-network' });
  const [begin, started] = useMutation(BeginPbxConnection);
  const [note, setNote] = useState<string>();
  const watcher = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearInterval(watcher.current), []);

  // The popup's return page says how it went; the list is refreshed once the popup is closed.
  useEffect(() => {
    const onMessage = (e: MessageEvent<ConnectionMessage>) => {
      if (e.origin !== location.origin || e.data?.type !== 'cxgraph:pbx-connection') return;
      setNote(e.data.account ? `PBX account ${e.data.account} is connected.` : `Nothing was connected: ${e.data.error ?? 'the PBX did not say why'}.`);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, []);

  const connect = async () => {
    setNote(undefined);
    // Opened before the request, in the click's own turn, so that popup blockers let it through.
    const win = window.open('about:blank', 'pbx-consent', 'popup,width=520,height=640');
    const result = await begin();
    const url = result.data?.beginPbxConnection?.authorizationUrl;
    if (!url) {
      win?.close();
      return;
    }
    if (!win) {
      setNote('Your browser blocked the popup: allow popups for this page, or open the consent page in this tab.');
      return;
    }
    win.location.href = url;
    setNote('Waiting for the PBX user to allow access in the popup…');
    window.clearInterval(watcher.current);
    watcher.current = window.setInterval(() => {
      if (!win.closed) return;
      window.clearInterval(watcher.current);
      setNote((n) => (n?.startsWith('Waiting') ? 'The popup was closed.' : n));
      void refetch();
    }, 300);
  };

  return (
    <section aria-labelledby="pbx-title" className="panel" data-panel="pbx-accounts">
      <h2 id="pbx-title">Connected PBX accounts</h2>
      <p>
        A Telphin PBX user connects their account by allowing cxgraph access on the PBX's own consent page; cxgraph then reads that account's extensions and
        call history.
      </p>
      <p>
        <button type="button" onClick={() => void connect()} disabled={started.loading}>
          Connect a PBX account
        </button>
      </p>
      <p role="status" aria-live="polite" data-testid="pbx-note">
        {note}
      </p>
      <Problems error={started.error} path={['beginPbxConnection']} title="The connection could not be started." />
      <Problems error={error} path={['pbxAccounts']} title="The PBX accounts could not be shown." />
      {loading && !data ? <p role="status">Loading…</p> : null}
      {data?.pbxAccounts ? (
        data.pbxAccounts.length === 0 ? (
          <p>No PBX account is connected yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Login</th>
                <th scope="col">User id</th>
                <th scope="col">PBX client</th>
                <th scope="col">Access</th>
                <th scope="col">Time zone</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {data.pbxAccounts.map((a) => (
                <tr key={a.id} data-account={a.id}>
                  <th scope="row">{a.login || '(record cannot be opened)'}</th>
                  <td>{a.id}</td>
                  <td>{a.clientId ?? '—'}</td>
                  <td>
                    {a.access ?? 'not said'}
                    {a.admin ? ', administrator' : ''}
                  </td>
                  <td>{a.timezone ?? '—'}</td>
                  <td>
                    <span aria-hidden="true">{statusText(a.status).symbol} </span>
                    {statusText(a.status).words}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </section>
  );
}
