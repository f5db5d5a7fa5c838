/**
 * The latest calls of NewVoiceMedia and the PBX in one query, each platform in its own panel: direction, parties,
 * agents' names, each recording playable in `<audio controls>` on its signed `downloadUrl`, and whether CallJourney
 * holds the file (`Call.recording`). One platform failing nulls only its own alias; the other panel still renders.
 * Each panel pages on by cursor: "Show more calls" asks for the page after `pageInfo.endCursor` (`MoreCalls`, through
 * `fetchMore`) and the cache's field policy for `calls` (src/apollo.ts `callsPaging`) appends it to the list shown.
 */
import { useQuery } from '@apollo/client/react';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { graphql } from '../gql/index.js';
import type { CallRowFragment } from '../gql/graphql.js';
import { CALLS_PER_PLATFORM, defaultCallsWeek, RECORDING_FILED_UNDER } from '../settings.js';
import { direction, duration, providerTitle, when } from '../ui/format.js';
import { Problems, type Path } from '../ui/problems.js';

const LatestCallsQuery = graphql(`
  query LatestCalls($from: DateTime!, $to: DateTime!, $first: Int!, $filedUnder: CallRecordingKey!) {
    newVoiceMedia: calls(provider: NEWVOICEMEDIA, from: $from, to: $to, first: $first) {
      nodes {
        ...CallRow
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
    pbx: calls(provider: PBX, from: $from, to: $to, first: $first) {
      nodes {
        ...CallRow
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }

  fragment CallRow on Call {
    provider
    id
    startTime
    direction
    from
    to
    durationSeconds
    agents {
      provider
      id
      name
    }
    media {
      key
      kind
      contentType
      filename
      downloadUrl
    }
    recording(key: $filedUnder) {
      filename
      exists
      callId
    }
  }
`);

/** The page after `after` of one platform's calls; the field policy appends it to what LatestCalls shows. */
const MoreCallsQuery = graphql(`
  query MoreCalls($provider: Provider!, $from: DateTime!, $to: DateTime!, $first: Int!, $after: String!, $filedUnder: CallRecordingKey!) {
    calls(provider: $provider, from: $from, to: $to, first: $first, after: $after) {
      nodes {
        ...CallRow
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

type Alias = 'newVoiceMedia' | 'pbx';
const PROVIDER_OF = { newVoiceMedia: 'NEWVOICEMEDIA', pbx: 'PBX' } as const;

export function Calls({ onLoaded }: { onLoaded?: () => void }): ReactNode {
  const [week, setWeek] = useState(defaultCallsWeek);
  const from = `${week}T00:00:00Z`;
  const to = new Date(Date.parse(from) + 7 * 86_400_000).toISOString();
  const { data, error, loading, refetch, fetchMore } = useQuery(LatestCallsQuery, {
    variables: { from, to, first: CALLS_PER_PLATFORM, filedUnder: RECORDING_FILED_UNDER },
    // New calls arrive, and a platform may have failed or recovered since: every visit asks again, showing what the
    // cache holds meanwhile.
    fetchPolicy: 'cache-and-network',
  });
  useEffect(() => {
    if (!loading) onLoaded?.();
  }, [loading, onLoaded]);
  const [loadingMore, setLoadingMore] = useState<Alias | null>(null);
  const [moreError, setMoreError] = useState<{ alias: Alias; error: unknown } | null>(null);
  const showMore = useCallback(
    async (alias: Alias, after: string) => {
      setLoadingMore(alias);
      setMoreError(null);
      try {
        const result = await fetchMore({
          query: MoreCallsQuery,
          variables: { provider: PROVIDER_OF[alias], from, to, first: CALLS_PER_PLATFORM, after, filedUnder: RECORDING_FILED_UNDER },
        });
        // The next page's errors are under `calls`: shown in the panel that asked for it.
        if (result.error) setMoreError({ alias, error: result.error });
      } catch (e) {
        setMoreError({ alias, error: e });
      } finally {
        setLoadingMore(null);
      }
    },
    [fetchMore, from, to],
  );
  const panel = (alias: Alias, provider: string): ReactNode => (
    <section aria-labelledby={`calls-${alias}`} className="panel" data-panel={`calls-${alias}`}>
      <h3 id={`calls-${alias}`}>{providerTitle(provider)}</h3>
      <Problems error={error} path={[alias]} title={`${providerTitle(provider)}'s calls could not be shown.`} />
      {loading && !data ? <p role="status">Loading…</p> : null}
      {data?.[alias] ? <CallTable alias={alias} provider={provider} calls={data[alias]!.nodes} error={error} onLinkExpired={() => void refetch()} /> : null}
      {moreError?.alias === alias ? (
        <Problems error={moreError.error} path={['calls']} title={`More of ${providerTitle(provider)}'s calls could not be shown.`} />
      ) : null}
      {data?.[alias]?.pageInfo.hasNextPage && data[alias]!.pageInfo.endCursor ? (
        <p className="pager">
          <button type="button" disabled={loadingMore !== null} onClick={() => void showMore(alias, data[alias]!.pageInfo.endCursor!)}>
            {loadingMore === alias ? 'Loading more calls…' : 'Show more calls'}
          </button>{' '}
          <span className="detail" role="status" data-testid={`calls-count-${alias}`}>
            {data[alias]!.nodes.length} calls shown; there are more this week.
          </span>
        </p>
      ) : data?.[alias]?.nodes.length ? (
        <p className="detail" role="status" data-testid={`calls-count-${alias}`}>
          All {data[alias]!.nodes.length} calls of this week shown.
        </p>
      ) : null}
    </section>
  );
  return (
    <section aria-labelledby="calls-title" className="calls">
      <h2 id="calls-title">Latest calls</h2>
      <form className="inline" onSubmit={(e) => e.preventDefault()}>
        <label>
          Week starting <input type="date" value={week} required onChange={(e) => e.target.value && setWeek(e.target.value)} />
        </label>{' '}
        <span className="detail">
          {when(from)} to {when(to)}; recordings looked up in CallJourney under {RECORDING_FILED_UNDER.company} / {RECORDING_FILED_UNDER.organisation} /{' '}
          {RECORDING_FILED_UNDER.folder}
        </span>
      </form>
      {panel('newVoiceMedia', 'NEWVOICEMEDIA')}
      {panel('pbx', 'PBX')}
    </section>
  );
}

interface TableProps {
  alias: Alias;
  provider: string;
  calls: readonly CallRowFragment[];
  error: unknown;
  onLinkExpired: () => void;
}

function CallTable({ alias, provider, calls, error, onLinkExpired }: TableProps): ReactNode {
  if (calls.length === 0) {
    return <p>{provider === 'PBX' ? 'No calls: connect a PBX account first (PBX accounts), or pick another week.' : 'No calls in this week.'}</p>;
  }
  return (
    <>
      <table>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Direction</th>
            <th scope="col">From</th>
            <th scope="col">To</th>
            <th scope="col">Agents</th>
            <th scope="col">Duration</th>
            <th scope="col">Recording</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((c, i) => (
            <tr key={c.id} data-call={c.id}>
              <th scope="row">{when(c.startTime)}</th>
              <td>{direction(c.direction)}</td>
              <td>{c.from ?? '—'}</td>
              <td>{c.to ?? '—'}</td>
              <td>{c.agents.length ? c.agents.map((a) => a.name ?? `agent ${a.id} (no longer listed)`).join(', ') : 'none'}</td>
              <td>{duration(c.durationSeconds)}</td>
              <td>
                <Media call={c} path={[alias, 'nodes', i, 'recording']} error={error} onLinkExpired={onLinkExpired} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Media({ call, path, error, onLinkExpired }: { call: CallRowFragment; path: Path; error: unknown; onLinkExpired: () => void }): ReactNode {
  const audio = call.media.filter((m) => m.contentType?.startsWith('audio/'));
  const other = call.media.filter((m) => !m.contentType?.startsWith('audio/'));
  return (
    <>
      {audio.length === 0 ? <p>No recording.</p> : null}
      {audio.map((m) => (
        <figure key={m.key}>
          {/* A signed link to cxgraph: no header, no token. preload="none": nothing is fetched until Play. An expired
              link (CXGRAPH_MEDIA_URL_TTL_SECONDS) fails to load; a fresh one comes with the next answer. */}
          <audio
            controls
            preload="none"
            src={m.downloadUrl}
            aria-label={`${m.kind === 'voicemail' ? 'Voicemail' : 'Recording'} of the call of ${when(call.startTime)}`}
            onError={() => expired(m.downloadUrl) && onLinkExpired()}
          />
          <figcaption>{m.kind === 'voicemail' ? 'Voicemail' : 'Recording'}</figcaption>
        </figure>
      ))}
      {other.map((m) => (
        <p key={m.key}>
          <a href={m.downloadUrl}>{m.kind}</a>
        </p>
      ))}
      <CallJourneyFile call={call} path={path} error={error} />
    </>
  );
}

/** Whether a signed link's `exp` (Unix seconds) has passed: then a fresh answer brings a new one. */
function expired(link: string): boolean {
  const exp = Number(new URL(link, location.href).searchParams.get('exp'));
  return Number.isFinite(exp) && exp * 1000 <= Date.now();
}

function CallJourneyFile({ call, path, error }: { call: CallRowFragment; path: Path; error: unknown }): ReactNode {
  const r = call.recording;
  if (!r) return <Problems error={error} path={path} title="Could not ask CallJourney about this file." />;
  return (
    <p className="detail" data-calljourney={r.exists ? 'held' : 'not-held'}>
      {r.exists ? (
        <>
          <span aria-hidden="true">✓ </span>CallJourney holds {r.filename} (call id {r.callId ?? 'not given'})
        </>
      ) : (
        <>
          <span aria-hidden="true">– </span>Not in CallJourney: {r.filename}
        </>
      )}
    </p>
  );
}
