/**
 * Entity references as a router sends them: one `_entities` request with N representations, duplicates
 * included. For each of the five entities the answer comes back in representation order and the upstream work
 * is one deduplicated batch, counted at the simulators (or, for PbxAccount, at the connection store).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator, useSimulators } from '../support/simulators.js';
import { cloudCx } from '../../src/providers/cloudcx/index.js';
import { MemoryKvStore } from '../../src/store/memory-store.js';
import type { KvStore } from '../../src/store/kv-store.js';
import { createCallJourneySimulator, createNvmSimulator, createPbxSimulator, SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';
import { connectPbxUser, startWithPbx } from '../support/pbx.js';

const ENTITIES = (fragment: string) => `query ($reps: [_Any!]!) { _entities(representations: $reps) { ${fragment} } }`;
type Entities<T> = { _entities: (T | null)[] };

/** Representations in the order [a, b, a, c, b, a, …]: n references of `ids.length` distinct ids. */
function repeated<T>(ids: readonly T[], n: number): T[] {
  return Array.from({ length: n }, (_, i) => ids[(i * 7) % ids.length]!);
}

describe('entity references through per-request loaders', () => {
  const cj = useSimulator(createCallJourneySimulator());
  const nvm = useSimulator(createNvmSimulator());
  let t: TestServer | undefined;

  const cjEnv = () => cj.env();
  const nvmEnv = () => nvm.env();

  afterEach(async () => {
    await t?.close();
    t = undefined;
    for (const s of [cj.server, nvm.server]) {
      s.clearFaults();
      s.resetCounts();
    }
  });

  it('Recording: 40 references of 8 files make 8 CallJourney checks over one token', async () => {
    t = await startServer(cjEnv());
    const files = [...SAMPLE_RECORDINGS.map((r) => ({ company: r.company, organisation: r.organisation, folder: r.folder, filename: r.filename }))];
    for (let i = 0; files.length < 8; i++) files.push({ ...files[0]!, filename: `absent-${i}.wav` });
    const reps = repeated(files, 40);
    const r = await t.gql<Entities<{ filename: string; exists: boolean; callId: string | null }>>(ENTITIES('... on Recording { filename exists callId }'), {
      reps: reps.map((k) => ({ __typename: 'Recording', ...k })),
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities).toEqual(
      reps.map((k) => {
        const held = SAMPLE_RECORDINGS.find((s) => s.filename === k.filename);
        return { filename: k.filename, exists: Boolean(held), callId: held?.callId ?? null };
      }),
    );
    expect(cj.server.count('conversationexists')).toBe(8);
    expect(cj.server.count('token')).toBe(1);
  });

  it('Recording: a blank key field is BAD_USER_INPUT for that reference only, with no upstream call for it', async () => {
    t = await startServer(cjEnv());
    const good = SAMPLE_RECORDINGS[0]!;
    const r = await t.gql<Entities<{ exists: boolean }>>(ENTITIES('... on Recording { exists }'), {
      reps: [
        { __typename: 'Recording', company: good.company, organisation: good.organisation, folder: good.folder, filename: good.filename },
        { __typename: 'Recording', company: good.company, organisation: ' ', folder: good.folder, filename: good.filename },
      ],
    });
    expect(r.errors).toHaveLength(1);
    expect(r.data!._entities).toEqual([{ exists: true }, null]);
    expect(r.errors![0]!.path).toEqual(['_entities', 1]);
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(cj.server.count('conversationexists')).toBe(1);
  });

  it('User (NEWVOICEMEDIA): 20 references of 5 ids (one unknown) make 5 lookups; the unknown one is null', async () => {
    t = await startServer(nvmEnv());
    const ids = [...nvm.users.slice(0, 4).map((u) => u.userId), 'no-such-user'];
    const reps = repeated(ids, 20);
    const r = await t.gql<Entities<{ provider: string; id: string; login: string }>>(ENTITIES('... on User { provider id login }'), {
      reps: reps.map((id) => ({ __typename: 'User', provider: 'NEWVOICEMEDIA', id })),
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities).toEqual(
      reps.map((id) => {
        const u = nvm.users.find((x) => x.userId === id);
        return u ? { provider: 'NEWVOICEMEDIA', id, login: u.username } : null;
      }),
    );
    expect(nvm.server.count('user')).toBe(5);
    expect(nvm.server.count('token')).toBe(1);
  });

  it('User: a provider without users is BAD_USER_INPUT, an unconfigured one PROVIDER_NOT_CONFIGURED', async () => {
    t = await startServer(nvmEnv());
    const r = await t.gql<Entities<{ id: string }>>(ENTITIES('... on User { id }'), {
      reps: [
        { __typename: 'User', provider: 'SANGOMA', id: '1' },
        { __typename: 'User', provider: 'CLOUDCX', id: '2' },
      ],
    });
    expect(r.data!._entities).toEqual([null, null]);
    const byIndex = new Map(r.errors!.map((e) => [e.path![1], e]));
    expect(byIndex.get(0)!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'SANGOMA' });
    expect(byIndex.get(1)!.extensions).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED', provider: 'CLOUDCX' });
    expect(byIndex.get(1)!.message).toContain(cloudCx.configuredBy);
  });

  it('Agent (NEWVOICEMEDIA): 25 references are answered from one listing, with no lookup per agent', async () => {
    t = await startServer(nvmEnv());
    const agents = nvm.users.filter((u) => u.userAccountConfiguration.actAsAgent);
    const ids = [...agents.slice(0, 6).map((u) => u.userId), 'no-such-agent'];
    const reps = repeated(ids, 25);
    const r = await t.gql<Entities<{ id: string; name: string | null; user: { login: string } | null }>>(ENTITIES('... on Agent { id name user { login } }'), {
      reps: reps.map((id) => ({ __typename: 'Agent', provider: 'NEWVOICEMEDIA', id })),
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities).toEqual(
      reps.map((id) => {
        const u = agents.find((a) => a.userId === id);
        return u ? { id, name: u.name, user: { login: u.username } } : null;
      }),
    );
    // One listing (every user page) answers the agents and their users alike.
    expect(nvm.server.count('users')).toBe(1);
    expect(nvm.server.count('user')).toBe(0);
  });

  it('Call (NEWVOICEMEDIA): 12 references of 4 interactions (one unknown) make 4 lookups', async () => {
    t = await startServer(nvmEnv());
    const ids = [...nvm.interactions.slice(0, 3).map((i) => i.guid), '00000000-0000-4000-8000-000000000000'];
    const reps = repeated(ids, 12);
    const r = await t.gql<Entities<{ id: string; from: string | null }>>(ENTITIES('... on Call { id from }'), {
      reps: reps.map((id) => ({ __typename: 'Call', provider: 'NEWVOICEMEDIA', id })),
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities).toEqual(
      reps.map((id) => {
        const i = nvm.interactions.find((x) => x.guid === id);
        return i ? { id, from: i.connectFrom } : null;
      }),
    );
    expect(nvm.server.count('interaction')).toBe(4);
  });
});

describe('PBX entity references', () => {
  const [pbx, cj] = useSimulators([createPbxSimulator(), createCallJourneySimulator()]);
  let t: TestServer;
  const reads: string[] = [];

  /** The shared store, counting account reads (PbxAccount references read the store, never the PBX). */
  function countingStore(): KvStore {
    const inner = new MemoryKvStore();
    return new Proxy(inner, {
      get(target, prop) {
        if (prop === 'get' || prop === 'read') {
          return (key: string) => {
            reads.push(key);
            return target[prop](key);
          };
        }
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  beforeAll(async () => {
    t = await startWithPbx(pbx, cj.env(), { store: countingStore() });
    for (const login of ['client1', 'client1-supervisor', 'client2']) await connectPbxUser(t, login);
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(() => {
    reads.length = 0;
    for (const s of [pbx.server, cj.server]) s.resetCounts();
  });

  it('PbxAccount: 18 references of 4 ids (one not connected) read each distinct account once, with no PBX call', async () => {
    const accounts = (await t.gql<{ pbxAccounts: { id: string; login: string }[] }>('{ pbxAccounts { id login } }')).data!.pbxAccounts;
    expect(accounts.map((a) => a.login)).toEqual(['client1', 'client1-supervisor', 'client2']);
    reads.length = 0;
    pbx.server.resetCounts();
    const ids = [...accounts.map((a) => a.id), '999'];
    const reps = repeated(ids, 18);
    const r = await t.gql<Entities<{ id: string; login: string; status: string }>>(ENTITIES('... on PbxAccount { id login status }'), {
      reps: reps.map((id) => ({ __typename: 'PbxAccount', id })),
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities).toEqual(
      reps.map((id) => {
        const a = accounts.find((x) => x.id === id);
        return a ? { id, login: a.login, status: 'CONNECTED' } : null;
      }),
    );
    const accountReads = reads.filter((k) => k.includes(':account:'));
    expect(accountReads).toHaveLength(4);
    expect(new Set(accountReads).size).toBe(4);
    expect(pbx.server.count('user') + pbx.server.count('token') + pbx.server.count('extensions')).toBe(0);
  });

  it('Agent (PBX): 15 references cost one extension listing per connected account, once for the batch', async () => {
    const listed = (await t.gql<{ agents: { id: string; name: string | null }[] }>('{ agents(provider: PBX) { id name } }')).data!.agents;
    pbx.server.resetCounts();
    const ids = [...listed.map((a) => a.id), '9999'];
    const reps = repeated(ids, 15);
    const r = await t.gql<Entities<{ id: string; name: string | null }>>(ENTITIES('... on Agent { id name }'), {
      reps: reps.map((id) => ({ __typename: 'Agent', provider: 'PBX', id })),
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities).toEqual(reps.map((id) => listed.find((a) => a.id === id) ?? null));
    // One listing per connected account, once for the whole batch (the same as `agents(provider: PBX)` costs).
    expect(pbx.server.count('extensions')).toBe(3);
  });

  it('Call (PBX, no get-by-id endpoint): references resolve to their keys, with recording() answered, and no PBX call', async () => {
    const known = SAMPLE_RECORDINGS[0]!;
    const reps = repeated(['uuid-a', 'uuid-b'], 6).map((id) => ({ __typename: 'Call', provider: 'PBX', id }));
    const r = await t.gql<Entities<Record<string, unknown>>>(
      ENTITIES(`... on Call { provider id startTime direction from to durationSeconds agents { id } media { key }
        recording(key: { company: "${known.company}", organisation: "${known.organisation}", folder: "${known.folder}", filename: "${known.filename}" }) { exists callId } }`),
      { reps },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities).toEqual(
      reps.map((x) => ({
        provider: 'PBX',
        id: x.id,
        startTime: null,
        direction: null,
        from: null,
        to: null,
        durationSeconds: null,
        agents: [],
        media: [],
        recording: { exists: true, callId: known.callId },
      })),
    );
    expect(pbx.server.count('call_history') + pbx.server.count('token')).toBe(0);
    expect(cj.server.count('conversationexists')).toBe(1);
  });
});
