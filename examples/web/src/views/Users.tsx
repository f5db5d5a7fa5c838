/** Users of CloudCX or NewVoiceMedia, with search and paging (`users(provider:, search:, page:, pageSize:)`). */
import { useQuery } from '@apollo/client/react';
import { useState, type FormEvent, type ReactNode } from 'react';
import { graphql } from '../gql/index.js';
import type { Provider } from '../gql/graphql.js';
import { providerTitle } from '../ui/format.js';
import { Problems } from '../ui/problems.js';

const UsersQuery = graphql(`
  query Users($provider: Provider!, $search: String, $page: Int!, $pageSize: Int!) {
    users(provider: $provider, search: $search, page: $page, pageSize: $pageSize) {
      totalCount
      page
      pageSize
      totalPages
      nodes {
        provider
        id
        login
        name
        email
        phoneNumber
        roles
        active
      }
    }
  }
`);

const PAGE_SIZE = 10;
const DIRECTORIES: Provider[] = ['CLOUDCX', 'NEWVOICEMEDIA'];

export function Users(): ReactNode {
  const [provider, setProvider] = useState<Provider>('CLOUDCX');
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const { data, error, loading } = useQuery(UsersQuery, { variables: { provider, search: search || null, page, pageSize: PAGE_SIZE } });
  const users = data?.users;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSearch(typed.trim());
    setPage(1);
  };
  return (
    <section aria-labelledby="users-title" className="panel" data-panel="users">
      <h2 id="users-title">Find users</h2>
      <form onSubmit={submit} role="search" aria-label="Users">
        <fieldset className="inline">
          <legend>Directory</legend>
          {DIRECTORIES.map((p) => (
            <label key={p}>
              <input
                type="radio"
                name="directory"
                value={p}
                checked={provider === p}
                onChange={() => {
                  setProvider(p);
                  setPage(1);
                }}
              />{' '}
              {providerTitle(p)}
            </label>
          ))}
        </fieldset>
        <p>
          <label>
            Search by login, name or e-mail <input type="search" name="search" value={typed} onChange={(e) => setTyped(e.target.value)} />
          </label>{' '}
          <button type="submit">Search</button>
        </p>
      </form>
      {provider === 'NEWVOICEMEDIA' && search ? (
        <p className="detail">
          NewVoiceMedia cannot search: cxgraph filters each page it fetches, so pages may hold fewer users and the total counts everyone.
        </p>
      ) : null}
      <Problems error={error} path={['users']} title={`${providerTitle(provider)}'s users could not be shown.`} />
      {loading && !users ? <p role="status">Loading…</p> : null}
      {users ? (
        <>
          <p role="status" aria-live="polite" data-testid="users-summary">
            Page {users.page} of {Math.max(users.totalPages, 1)} — {users.totalCount} user{users.totalCount === 1 ? '' : 's'}
            {search ? ` matching “${search}”` : ''}
            {loading ? ' (updating…)' : ''}
          </p>
          {users.nodes.length === 0 ? (
            <p>No user on this page.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Login</th>
                  <th scope="col">E-mail</th>
                  <th scope="col">Phone</th>
                  <th scope="col">Roles</th>
                  <th scope="col">Active</th>
                </tr>
              </thead>
              <tbody>
                {users.nodes.map((u) => (
                  <tr key={u.id}>
                    <th scope="row">{u.name ?? '—'}</th>
                    <td>{u.login ?? '—'}</td>
                    <td>{u.email ?? '—'}</td>
                    <td>{u.phoneNumber ?? '—'}</td>
                    <td>{u.roles.join(', ') || '—'}</td>
                    <td>{u.active === null ? 'not reported' : u.active ? 'yes' : 'no (archived)'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <nav aria-label="Pages of users" className="pager">
            <button type="button" disabled={users.page <= 1 || loading} onClick={() => setPage(users.page - 1)}>
              Previous page
            </button>{' '}
            <button type="button" disabled={users.page >= users.totalPages || loading} onClick={() => setPage(users.page + 1)}>
              Next page
            </button>
          </nav>
        </>
      ) : null}
    </section>
  );
}
