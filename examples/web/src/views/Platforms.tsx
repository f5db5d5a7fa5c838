/** The five platforms and how cxgraph stands with each (`providers`): status, token expiry, last error. */
import { useQuery } from '@apollo/client/react';
import { useEffect, type ReactNode } from 'react';
import { graphql } from '../gql/index.js';
import { fromNow, providerRole, providerTitle, statusText, when } from '../ui/format.js';
import { Problems } from '../ui/problems.js';

const PlatformsQuery = graphql(`
  query Platforms {
    providers {
      provider
      status
      tokenExpiresAt
      lastError
      connectedAccounts
      store {
        kind
        healthy
        degradedSince
      }
    }
  }
`);

/** `refreshKey` changes when other panels have talked to the platforms, so tokens they fetched show at once. */
export function Platforms({ refreshKey }: { refreshKey?: unknown }): ReactNode {
  // Live: cxgraph's own state, never cached; polled while the page is open.
  const { data, error, loading, refetch } = useQuery(PlatformsQuery, { pollInterval: 15_000 });
  useEffect(() => {
    if (refreshKey !== undefined) void refetch();
  }, [refreshKey, refetch]);
  const store = data?.providers[0]?.store;
  return (
    <section aria-labelledby="platforms-title" className="panel" data-panel="platforms">
      <h2 id="platforms-title">Platforms</h2>
      <Problems error={error} path={['providers']} title="The platforms' status could not be shown." />
      {loading && !data ? <p role="status">Loading…</p> : null}
      {data ? (
        <table>
          <caption>Five platforms behind one GraphQL schema, as cxgraph sees them now.</caption>
          <thead>
            <tr>
              <th scope="col">Platform</th>
              <th scope="col">Answers</th>
              <th scope="col">Status</th>
              <th scope="col">Access token</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {data.providers.map((p) => {
              const s = statusText(p.status);
              return (
                <tr key={p.provider} data-provider={p.provider}>
                  <th scope="row">{providerTitle(p.provider)}</th>
                  <td>{providerRole(p.provider)}</td>
                  <td data-status={p.status}>
                    <span aria-hidden="true">{s.symbol} </span>
                    {s.words}
                    {p.connectedAccounts ? ` (${p.connectedAccounts} account${p.connectedAccounts === 1 ? '' : 's'})` : null}
                  </td>
                  <td>
                    {p.tokenExpiresAt ? (
                      <time dateTime={p.tokenExpiresAt} title={when(p.tokenExpiresAt)}>
                        expires {fromNow(p.tokenExpiresAt)}
                      </time>
                    ) : (
                      'none yet (fetched on first use)'
                    )}
                  </td>
                  <td>{p.lastError ?? '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {store ? (
        <p className="detail">
          Tokens and PBX connections are kept in {store.kind === 'MEMORY' ? 'process memory' : store.kind === 'REDIS' ? 'Redis' : 'a Redis Cluster'}
          {store.healthy ? '.' : `, which has not answered since ${when(store.degradedSince)}: each replica goes on with its own copies.`}
        </p>
      ) : null}
    </section>
  );
}
