/** Agents of NewVoiceMedia or the PBX, and how many NewVoiceMedia agents are available per skill. */
import { useQuery } from '@apollo/client/react';
import { useState, type FormEvent, type ReactNode } from 'react';
import { graphql } from '../gql/index.js';
import type { Provider } from '../gql/graphql.js';
import { providerTitle } from '../ui/format.js';
import { Problems } from '../ui/problems.js';

const AgentsQuery = graphql(`
  query Agents($provider: Provider!) {
    agents(provider: $provider) {
      provider
      id
      name
      user {
        provider
        id
        email
        active
      }
    }
  }
`);

const AvailabilityQuery = graphql(`
  query AgentAvailability($skillNames: [String!]!) {
    agentAvailability(skillNames: $skillNames) {
      skillNames
      ready
      away
      extendedAway
      loggedOut
    }
  }
`);

const AGENT_PLATFORMS: Provider[] = ['NEWVOICEMEDIA', 'PBX'];

export function Agents(): ReactNode {
  return (
    <>
      <AgentList />
      <Availability />
    </>
  );
}

function AgentList(): ReactNode {
  const [provider, setProvider] = useState<Provider>('NEWVOICEMEDIA');
  const { data, error, loading } = useQuery(AgentsQuery, { variables: { provider } });
  return (
    <section aria-labelledby="agents-title" className="panel" data-panel="agents">
      <h2 id="agents-title">Agent list</h2>
      <fieldset className="inline">
        <legend>Platform</legend>
        {AGENT_PLATFORMS.map((p) => (
          <label key={p}>
            <input type="radio" name="agent-platform" value={p} checked={provider === p} onChange={() => setProvider(p)} /> {providerTitle(p)}
          </label>
        ))}
      </fieldset>
      <Problems error={error} path={['agents']} title={`${providerTitle(provider)}'s agents could not be shown.`} />
      {loading && !data ? <p role="status">Loading…</p> : null}
      {data?.agents ? (
        data.agents.length === 0 ? (
          <p>{provider === 'PBX' ? 'No agents: connect a PBX account first (PBX accounts).' : 'No agents.'}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Id</th>
                <th scope="col">E-mail</th>
                <th scope="col">Account</th>
              </tr>
            </thead>
            <tbody>
              {data.agents.map((a) => (
                <tr key={a.id}>
                  <th scope="row">{a.name ?? '—'}</th>
                  <td>{a.id}</td>
                  <td>{a.user?.email ?? '—'}</td>
                  <td>{a.user ? (a.user.active === false ? 'archived' : 'active') : 'PBX extension'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </section>
  );
}

/** One row per skill asked for, and one for agents having any of them: each is its own query (and its own error). */
function Availability(): ReactNode {
  const [typed, setTyped] = useState('English, French, Sales');
  const [skills, setSkills] = useState(['English', 'French', 'Sales']);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSkills([
      ...new Set(
        typed
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ]);
  };
  return (
    <section aria-labelledby="availability-title" className="panel" data-panel="availability">
      <h2 id="availability-title">Agent availability by skill (NewVoiceMedia)</h2>
      <form onSubmit={submit}>
        <label>
          Skills, separated by commas <input value={typed} onChange={(e) => setTyped(e.target.value)} />
        </label>{' '}
        <button type="submit">Show</button>
      </form>
      {skills.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Skill</th>
              <th scope="col">Ready</th>
              <th scope="col">Away</th>
              <th scope="col">Extended away</th>
              <th scope="col">Logged out</th>
            </tr>
          </thead>
          <tbody>
            {skills.map((s) => (
              <AvailabilityRow key={s} label={s} skillNames={[s]} />
            ))}
            {skills.length > 1 ? <AvailabilityRow label="Any of them" skillNames={skills} /> : null}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function AvailabilityRow({ label, skillNames }: { label: string; skillNames: string[] }): ReactNode {
  const { data, error, loading } = useQuery(AvailabilityQuery, { variables: { skillNames }, pollInterval: 30_000 });
  const a = data?.agentAvailability;
  return (
    <tr>
      <th scope="row">{label}</th>
      {a ? (
        <>
          <td>{a.ready}</td>
          <td>{a.away}</td>
          <td>{a.extendedAway}</td>
          <td>{a.loggedOut}</td>
        </>
      ) : (
        <td colSpan={4}>{loading ? 'Loading…' : <Problems error={error} path={['agentAvailability']} title="Not available." />}</td>
      )}
    </tr>
  );
}
