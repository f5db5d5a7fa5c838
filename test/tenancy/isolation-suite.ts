/**
 * The isolation contract as a suite (docs/tenancy.md, "What is isolated, and how"): tenants acme and globex with two
 * accounts each on CallJourney, Sangoma CX, CloudCX and NewVoiceMedia (both tenants have an account named `emea`),
 * tenant default's NewVoiceMedia account from the variables beside them, every account its own simulator with its own
 * credentials and data, and on the one PBX each of the three tenants' own PBX users, connected by consent
 * (isolation-world.ts, isolation-pbx.ts); real HTTP and a real Redis under a prefix of its own. The cases per root
 * field, entity type and PBX connection field are in isolation-contract.ts; what the schema or the provider modules
 * offer without a case fails the first test.
 *
 * `parts`: `all`, or `tenant-resolution` — what depends on how the request named its tenant (the tenant, every root
 * field's cases, and the final check); entities, media, caches and the rest are the same whichever way it came.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { PROVIDERS } from '../../src/providers/index.js';
import { loadTypeDefs } from '../../src/graphql/schema.js';
import { encodeRef } from '../../src/tenancy/entity-ref.js';
import type { ProviderName } from '../../src/domain/provider-name.js';
import { HAS_REDIS } from '../support/redis.js';
import {
  CONNECTION_CASES,
  ENTITY_CASES,
  FIELD_CASES,
  comparable,
  coverageGaps,
  labelsIn,
  platformsFor,
  refsIn,
  type EntityCase,
} from './isolation-contract.js';
import { TENANTS, World, simName, type TenantSource, type WorldAccount } from './isolation-world.js';

type Data = Record<string, unknown>;
const NOBODY = 'nobody-none';

export function describeIsolation(source: TenantSource, parts: 'all' | 'tenant-resolution'): void {
  describe.skipIf(!HAS_REDIS)(`isolation contract, tenant from a ${source === 'jwt-claim' ? 'JWT claim' : "router's header"}`, () => {
    defineCases(new World(source), parts);
  });
}

function defineCases(world: World, parts: 'all' | 'tenant-resolution'): void {
  const all = parts === 'all';
  beforeAll(() => world.start(), 30_000);
  afterAll(() => world.stop());

  const own = (a: WorldAccount, provider: ProviderName) => simName(world.sim(provider, a.tenant, a.account));
  /** Tenants with accounts on `provider`, each with its default account. */
  const callers = (provider: ProviderName) =>
    [...new Set(world.accountsOf(provider).map((a) => a.tenant))].map((tenant) => ({
      tenant,
      byDefault: world.accountsOf(provider).find((a) => a.tenant === tenant && a.isDefault)!,
    }));
  /**
   * An account name other tenants have on `provider` and `tenant` has not; where every tenant names its account alike
   * (the PBX's `default`), what another tenant could take for one: a PBX user id it connected.
   */
  const foreignName = (provider: ProviderName, tenant: string) =>
    world.accountsOf(provider).find((a) => a.tenant !== tenant && !world.accountsOf(provider).some((b) => b.tenant === tenant && b.account === a.account))
      ?.account ?? world.sims.find((s) => s.provider === provider && s.account.tenant !== tenant)!.sim.connected![0]!;

  it('has a case for every root field, entity type and capability (read from schema/ and the provider modules)', () => {
    expect(coverageGaps(loadTypeDefs(), PROVIDERS)).toEqual([]);
  });

  describe('the tenant', () => {
    it('a request naming no tenant is refused, never served as default', async () => {
      const r = await world.ask(undefined, '{ accounts { name } }');
      expect(r.status).toBe(401);
      expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(r.errors?.[0]?.message).toContain('names no tenant');
      expect(r.raw).not.toMatch(/acme|globex|emea/);
    });

    it('a platform the tenant has no account on is not configured for it, whoever else has one', async () => {
      const r = await world.ask('default', '{ users(provider: CLOUDCX) { nodes { id } } }');
      expect(r.errors?.[0]?.extensions?.code).toBe('PROVIDER_NOT_CONFIGURED');
    });

    it('accounts and providers list the caller tenant’s accounts only, one providers row per account', async () => {
      for (const tenant of [...TENANTS, 'default']) {
        const r = await world.ask<{
          accounts: { provider: string; name: string; isDefault: boolean }[];
          providers: { provider: string; account: string; connectedAccounts: number | null }[];
        }>(tenant, '{ accounts { provider name isDefault } providers { provider account status lastError connectedAccounts } }');
        expect(r.errors).toBeUndefined();
        const expected = PROVIDERS.flatMap((m) =>
          world
            .accountsOf(m.name)
            .filter((a) => a.tenant === tenant)
            .map((a) => ({ provider: m.name, name: a.account, isDefault: a.isDefault })),
        );
        expect(r.data!.accounts, tenant).toEqual(expected);
        // The PBX row counts the PBX users the tenant connected, none of another tenant's.
        const connected = (provider: string, account: string) =>
          world.sims.find((s) => s.provider === provider && s.account.tenant === tenant && s.account.account === account)?.sim.connected?.length ?? null;
        expect(
          r.data!.providers.filter((p) => expected.some((e) => e.provider === p.provider)),
          tenant,
        ).toEqual(
          expected.map((e) => ({
            provider: e.provider,
            account: e.name,
            status: 'CONNECTED',
            lastError: null,
            connectedAccounts: connected(e.provider, e.name),
          })),
        );
      }
    });
  });

  for (const c of FIELD_CASES) {
    for (const provider of platformsFor(c.capability, PROVIDERS)) {
      const answeredBy = (data: Data, label: string) =>
        c.answeredBy ? c.answeredBy(data, world, provider, label) : only(labelsIn(world, JSON.stringify(data)));

      describe(`${c.field} on ${provider}`, () => {
        it('each account answers from its own platform alone; its refs name it', async () => {
          for (const a of world.accountsOf(provider)) {
            const { result: r, asked } = await world.traffic(() => world.ask(a.tenant, c.document(provider, a.label), { account: a.account }));
            expect(r.errors, `${a.label}: ${r.raw}`).toBeUndefined();
            expect(answeredBy(r.data!, a.label), r.raw).toBe(a.label);
            expect(asked.filter((s) => s !== own(a, provider))).toEqual([]);
            for (const ref of refsIn(r.data)) expect(ref.account).toBe(a.account);
          }
        });

        it('with account omitted, the caller tenant’s default account answers', async () => {
          for (const { tenant, byDefault } of callers(provider)) {
            const { result: r, asked } = await world.traffic(() => world.ask(tenant, c.document(provider, byDefault.label)));
            expect(r.errors, r.raw).toBeUndefined();
            expect(answeredBy(r.data!, byDefault.label), r.raw).toBe(byDefault.label);
            expect(asked.filter((s) => s !== own(byDefault, provider))).toEqual([]);
            for (const ref of refsIn(r.data)) expect(ref.account).toBe(byDefault.account);
          }
        });

        it('another tenant’s account name is told exactly as a name nobody has, and nothing is asked of anyone', async () => {
          for (const { tenant, byDefault } of callers(provider)) {
            const foreign = foreignName(provider, tenant);
            const { result: answers, asked } = await world.traffic(() =>
              Promise.all([foreign, NOBODY].map((name) => world.ask(tenant, c.document(provider, byDefault.label), { account: name }))),
            );
            expect(asked).toEqual([]);
            const [theirs, nobodys] = answers as [(typeof answers)[0], (typeof answers)[0]];
            expect(theirs.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
            expect(theirs.errors?.[0]?.message).toContain(
              `this tenant's ${provider} accounts are ${world
                .accountsOf(provider)
                .filter((a) => a.tenant === tenant)
                .map((a) => a.account)
                .join(', ')}`,
            );
            expect(comparable(theirs.raw, [foreign])).toBe(comparable(nobodys.raw, [NOBODY]));
          }
        });

        it('asking one’s own account for another account’s ids or names finds what it finds for ones nobody has', async () => {
          for (const { tenant, byDefault } of callers(provider)) {
            const other =
              world.accountsOf(provider).find((a) => a.tenant !== tenant && a.account === byDefault.account) ??
              world.accountsOf(provider).find((a) => a.tenant !== tenant)!;
            const { result: answers, asked } = await world.traffic(() =>
              Promise.all([other.label, NOBODY].map((label) => world.ask(tenant, c.document(provider, label), { account: byDefault.account }))),
            );
            expect(asked.filter((s) => s !== own(byDefault, provider))).toEqual([]);
            const [theirs, nobodys] = answers as [(typeof answers)[0], (typeof answers)[0]];
            expect(comparable(theirs.raw, [other.label])).toBe(comparable(nobodys.raw, [NOBODY]));
          }
        });
      });
    }
  }

  for (const c of CONNECTION_CASES) {
    for (const provider of platformsFor(c.capability, PROVIDERS)) {
      describe(`${c.field} on ${provider}`, () => {
        it(c.proves, () => c.check(world, provider));
      });
    }
  }

  if (all) {
    for (const e of ENTITY_CASES) {
      for (const provider of platformsFor(e.capability, PROVIDERS)) {
        describe(`_entities ${e.type} on ${provider}`, () => {
          const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${e.type} { ${e.selection} } } }`;
          const ids = (id: string) => (e.type === 'Recording' ? [id, ...(JSON.parse(id) as string[])] : [id]);
          const nobodyId = (label: string) => (e.type === 'Call' ? randomUUID() : e.idOf(world, provider, label));

          it('a ref of the caller’s own account resolves there, and only there is asked', async () => {
            for (const a of world.accountsOf(provider)) {
              const id = e.idOf(world, provider, a.label);
              const { result: r, asked } = await world.traffic(() =>
                world.ask<{ _entities: (Data | null)[] }>(a.tenant, q, { r: [{ __typename: e.type, ref: encodeRef(provider, a.account, id) }] }),
              );
              expect(r.errors, r.raw).toBeUndefined();
              expect(r.data!._entities[0], r.raw).not.toBeNull();
              expect(refsIn(r.data!._entities[0]).map((x) => `${x.provider}|${x.account}`)[0]).toBe(`${provider}|${a.account}`);
              expect(asked.filter((s) => s !== own(a, provider))).toEqual([]);
            }
            const garbage = await world.ask<{ _entities: unknown[] }>('acme', q, { r: [{ __typename: e.type, ref: 'not-a-ref' }] });
            expect(garbage.data!._entities).toEqual([null]);
          });

          it('refs and old keys naming another tenant’s accounts or ids resolve as ones nobody has', async () => {
            for (const { tenant, byDefault } of callers(provider)) {
              for (const other of world.accountsOf(provider).filter((a) => a.tenant !== tenant)) {
                const theirId = e.idOf(world, provider, other.label);
                const noId = nobodyId(NOBODY);
                // [theirs, nobody's, what the caller named in each]: their ref as they hold it (an account name the caller
                // may have too), their id through the caller's default account, their id by the old key.
                const pairs: [Data, Data, string[], string[]][] = [
                  [rep(e, provider, other.account, theirId), rep(e, provider, other.account, noId), ids(theirId), ids(noId)],
                  [rep(e, provider, byDefault.account, theirId), rep(e, provider, byDefault.account, noId), ids(theirId), ids(noId)],
                  [{ __typename: e.type, ...e.oldKey(provider, theirId) }, { __typename: e.type, ...e.oldKey(provider, noId) }, ids(theirId), ids(noId)],
                ];
                // An account name only another tenant has is told as one nobody has; so is, where every tenant names its
                // account alike (the PBX), a PBX user id another tenant connected.
                const foreign = world.accountsOf(provider).some((a) => a.tenant === tenant && a.account === other.account)
                  ? world.sim(provider, other.tenant, other.account).sim.connected?.[0]
                  : other.account;
                if (foreign) pairs.push([rep(e, provider, foreign, theirId), rep(e, provider, NOBODY, theirId), [foreign], [NOBODY]]);
                for (const [theirs, nobodys, theirNames, nobodyNames] of pairs) {
                  const { result: answers, asked } = await world.traffic(() => Promise.all([theirs, nobodys].map((r) => world.ask(tenant, q, { r: [r] }))));
                  expect(asked.filter((s) => !world.accountsOf(provider).some((a) => a.tenant === tenant && s === own(a, provider)))).toEqual([]);
                  expect(comparable(answers[0]!.raw, theirNames), `${tenant}: ${JSON.stringify(theirs)}`).toBe(comparable(answers[1]!.raw, nobodyNames));
                }
              }
            }
          });
        });
      }
    }

    describe('Call.recording (a call of one platform, a recording of another)', () => {
      it('is checked with the caller tenant’s own CallJourney account', async () => {
        for (const { tenant, byDefault } of callers('CALLJOURNEY')) {
          const q = `{ calls(provider: NEWVOICEMEDIA, from: "2024-05-01T00:00:00Z", to: "2024-05-02T00:00:00Z") {
          nodes { recording(key: { company: "shared", organisation: "ops", folder: "2024-05", filename: "${byDefault.label}.wav" }) { exists callId ref } } } }`;
          const { result: r, asked } = await world.traffic(() => world.ask<{ calls: { nodes: { recording: Data }[] } }>(tenant, q));
          expect(r.errors, r.raw).toBeUndefined();
          expect(r.data!.calls.nodes[0]!.recording).toMatchObject({ exists: true, callId: `${byDefault.label}-call` });
          expect(asked.every((s) => s.includes(` ${tenant}/`))).toBe(true);
        }
      });
    });

    for (const provider of platformsFor('media', PROVIDERS)) {
      describe(`media links on ${provider}`, () => {
        const linkOf = async (a: WorldAccount) => {
          const r = await world.ask<{ calls: { nodes: { id: string; media: { key: string; downloadUrl: string }[] }[] } }>(
            a.tenant,
            `query($a: String) { calls(provider: ${provider}, from: "2024-05-01T00:00:00Z", to: "2024-05-02T00:00:00Z", account: $a) { nodes { id media { key downloadUrl } } } }`,
            { a: a.account },
          );
          expect(r.errors, r.raw).toBeUndefined();
          const call = r.data!.calls.nodes[0]!;
          const url = new URL(call.media[0]!.downloadUrl);
          // The platform's own media path, after the account's `/media/@tenant/account` (none for the variables').
          return { id: call.id, key: call.media[0]!.key, url, rest: url.pathname.replace(/^\/media\/(@[^/]+\/[^/]+\/)?/, '') };
        };
        const play = (url: URL | string) =>
          world.traffic(() => fetch(url).then(async (res) => ({ status: res.status, body: Buffer.from(await res.arrayBuffer()) })));
        const prefixOf = (a: WorldAccount) => (a.viaVariables ? '/media/' : `/media/@${a.tenant}/${a.account}/`);
        /** acme's account whose links are edited: one that is not its default where it has several (acme/nam). */
        const subject = () => {
          const mine = world.accountsOf(provider).filter((a) => a.tenant === 'acme');
          return mine.find((a) => !a.isDefault) ?? mine[0]!;
        };

        it('a link plays its own account’s file, from its own platform alone', async () => {
          for (const a of world.accountsOf(provider)) {
            const { id, key, url, rest } = await linkOf(a);
            expect(url.pathname).toBe(`${prefixOf(a)}${rest}`);
            const { result, asked } = await play(url);
            expect(result.status).toBe(200);
            const sim = world.sim(provider, a.tenant, a.account).sim;
            expect(sim.bytes, `the ${provider} fixture gives no bytes()`).toBeDefined();
            expect(result.body.equals(sim.bytes!(id, key)!)).toBe(true);
            expect(asked).toEqual([own(a, provider)]);
          }
        });

        it('a link with its tenant or account edited fails the signature, and nothing is asked of anyone', async () => {
          const a = subject();
          const { url } = await linkOf(a);
          // Every other account's place, and the same account name in every other tenant.
          const places = new Set([
            ...world
              .accountsOf(provider)
              .filter((b) => b !== a)
              .map(prefixOf),
            ...TENANTS.filter((t) => t !== a.tenant).map((t) => `/media/@${t}/${a.account}/`),
          ]);
          for (const prefix of places) {
            const edited = new URL(url);
            edited.pathname = url.pathname.replace(prefixOf(a), prefix);
            const { result, asked } = await play(edited);
            expect(result.status, prefix).toBe(403);
            expect(JSON.parse(result.body.toString()).errors[0].extensions.code).toBe('FORBIDDEN');
            expect(asked).toEqual([]);
          }
        });

        it('a signed path naming another account’s file is answered as one naming no file at all', async () => {
          const a = subject();
          const { rest } = await linkOf(a);
          const sign = (path: string) => world.server.server.mediaLinks.url(path);
          // The path with every id it names (a call's or record's UUID, a PBX user's number) swapped for one nobody has.
          const nobodys = (path: string) =>
            path
              .split('/')
              .map((seg, i) => (i === 0 ? seg : UUID.test(seg) ? randomUUID() : /^\d+$/.test(seg) ? `99${seg}` : seg))
              .join('/');
          const pairs: [string, string, string][] = [];
          for (const b of world.accountsOf(provider).filter((x) => x.tenant !== a.tenant)) {
            pairs.push([b.tenant, `${prefixOf(b)}${rest}`, `${prefixOf(b)}${nobodys(rest)}`]);
            // The PBX path names the PBX user whose connection reads the file: the other tenant's own user, too.
            const theirUser = world.sim(provider, b.tenant, b.account).sim.connected?.[0];
            if (theirUser) {
              const [platform, , record] = rest.split('/');
              pairs.push([b.tenant, `${prefixOf(b)}${platform}/${theirUser}/${record}`, `${prefixOf(b)}${platform}/${theirUser}/${randomUUID()}`]);
            }
          }
          // An account name another tenant lacks, as a tenant nobody has.
          for (const t of TENANTS.filter((t) => t !== a.tenant && !world.accountsOf(provider).some((b) => b.tenant === t && b.account === a.account)))
            pairs.push([t, `/media/@${t}/${a.account}/${rest}`, `/media/@nobody/${a.account}/${rest}`]);
          for (const [tenant, theirs, nobody] of pairs) {
            const { result: x, asked } = await play(sign(theirs));
            const { result: y } = await play(sign(nobody));
            expect(x.status, theirs).toBeGreaterThanOrEqual(400);
            expect(asked.filter((s) => !s.startsWith(`${provider} ${tenant}/`))).toEqual([]);
            expect(x.status, theirs).toBe(y.status);
            // What the caller sent (the path's tenant and ids) aside, the two answers are the same.
            expect(alike(x.body.toString(), theirs, nobody), theirs).toBe(alike(y.body.toString(), nobody, theirs));
          }
        });
      });
    }

    describe('the recording cache (on, for hits and misses, on every CallJourney account)', () => {
      const probe = (tenant: string, account: string) =>
        world.traffic(() =>
          world.ask<{ recording: { exists: boolean; callId: string | null } }>(
            tenant,
            'query($a: String) { recording(key: { company: "shared", organisation: "ops", folder: "2024-05", filename: "probe.wav" }, account: $a) { exists callId } }',
            { a: account },
          ),
        );

      it('a check by one account never answers another’s, in its own tenant or another', async () => {
        const found = await probe('acme', 'emea');
        expect(found.result.data!.recording).toEqual({ exists: true, callId: 'acme-emea-probe' });
        expect(found.asked).toEqual(['CALLJOURNEY acme/emea']);
        expect((await probe('acme', 'emea')).asked).toEqual([]); // the cache answers acme/emea from now on
        for (const [tenant, account] of [
          ['globex', 'emea'],
          ['acme', 'nam'],
          ['globex', 'apac'],
        ] as const) {
          const other = await probe(tenant, account);
          expect(other.result.data!.recording).toEqual({ exists: false, callId: null });
          expect(other.asked).toEqual([`CALLJOURNEY ${tenant}/${account}`]);
          expect((await probe(tenant, account)).asked).toEqual([]); // its own miss, kept
        }
        expect((await probe('acme', 'emea')).result.data!.recording.exists).toBe(true);
        const keys = await world.keys();
        for (const scope of ['t:acme:calljourney:emea:', 't:acme:calljourney:nam:', 't:globex:calljourney:emea:', 't:globex:calljourney:apac:'])
          expect(
            keys.some((k) => k.includes(scope)),
            scope,
          ).toBe(true);
      });
    });

    describe('calls placed (Sangoma)', () => {
      it('reach the caller’s own account’s platform alone: every call each platform placed is one its own account asked for', () => {
        for (const a of world.accountsOf('SANGOMA')) {
          const placed = world.sim('SANGOMA', a.tenant, a.account).sim.placed!();
          expect(placed.length, a.label).toBeGreaterThan(0);
          for (const call of placed) {
            expect(call.tenantDomain).toBe(`${a.label}.cx.example.com`);
            expect(call.name.startsWith(`${a.label}-`)).toBe(true);
          }
        }
      });
    });

    describe('providers: errors and 429 cool-downs', () => {
      const providers = (tenant: string) =>
        world.ask<{
          providers: { provider: string; account: string; status: string; lastError: string | null; coolDowns: { host: string; account: string }[] }[];
        }>(tenant, '{ providers { provider account status lastError coolDowns { host account } } }');

      it('an account’s failure shows in its own row only', async () => {
        const apac = world.sim('NEWVOICEMEDIA', 'globex', 'apac');
        apac.sim.server.inject({ kind: 'status', status: 503, route: 'users', times: 10 });
        const apacRow = (p: { provider: string; account: string }) => p.provider === 'NEWVOICEMEDIA' && p.account === 'apac';
        // Every row but globex's NEWVOICEMEDIA apac, as each tenant sees it.
        const others = async () =>
          Promise.all(['acme', 'default', 'globex'].map(async (t) => (await providers(t)).data!.providers.filter((p) => t !== 'globex' || !apacRow(p))));
        const before = await others();
        const r = await world.ask('globex', '{ users(provider: NEWVOICEMEDIA, account: "apac") { nodes { id } } }');
        apac.sim.server.clearFaults();
        expect(r.errors?.[0]?.extensions?.code).toBe('PROVIDER_UNAVAILABLE');
        expect((await providers('globex')).data!.providers.find(apacRow)!.lastError).toMatch(/503/);
        expect(await others()).toEqual(before);
      });

      it('a 429 cool-down shows in the row of the account that got it, and in no other tenant’s', async () => {
        const seen = async (tenant: string) =>
          (await providers(tenant)).data!.providers.flatMap((p) => p.coolDowns.map((c) => `${p.provider} ${p.account} ${c.host}`));
        const hostOf = (a: WorldAccount) => new URL(world.sim('NEWVOICEMEDIA', a.tenant, a.account).sim.server.url).host;
        const refuse = async (a: WorldAccount) => {
          world.sim('NEWVOICEMEDIA', a.tenant, a.account).sim.server.inject({ kind: 'status', status: 429, retryAfterSec: 600, route: 'users' });
          const r = await world.ask(a.tenant, 'query($a: String) { users(provider: NEWVOICEMEDIA, account: $a) { nodes { id } } }', { a: a.account });
          expect(r.errors?.[0]?.extensions?.code).toBe('PROVIDER_RATE_LIMITED');
        };
        const variables = world.accountsOf('NEWVOICEMEDIA').find((x) => x.viaVariables)!;
        const acmeNam = world.accounts.find((x) => x.label === 'acme-nam')!;
        await refuse(variables);
        expect(await seen('default')).toEqual([`NEWVOICEMEDIA default ${hostOf(variables)}`]);
        expect(await seen('acme')).toEqual([]);
        expect(await seen('globex')).toEqual([]);
        await refuse(acmeNam);
        expect(await seen('acme')).toEqual([`NEWVOICEMEDIA nam ${hostOf(acmeNam)}`]);
        expect(await seen('globex')).toEqual([]);
        expect(await seen('default')).toEqual([`NEWVOICEMEDIA default ${hostOf(variables)}`]);
        // And it holds back no other account, in the tenant or outside it.
        for (const a of world.accountsOf('NEWVOICEMEDIA').filter((x) => x !== variables && x !== acmeNam)) {
          const r = await world.ask(a.tenant, 'query($a: String) { users(provider: NEWVOICEMEDIA, account: $a) { nodes { id } } }', { a: a.account });
          expect(r.errors, a.label).toBeUndefined();
        }
      });
    });

    describe('answers a shared cache could keep', () => {
      it('are never public: a router or CDN must not hand one tenant’s answer to another', async () => {
        for (const tenant of TENANTS) {
          const r = await world.ask(tenant, '{ users(provider: CLOUDCX) { nodes { id } } }');
          expect(r.errors).toBeUndefined();
          const policy = r.headers.get('cache-control') ?? '';
          expect(policy).toMatch(/max-age=\d+/);
          expect(policy).not.toMatch(/public/);
          expect(policy).toMatch(/private/);
        }
      });
    });

    describe('tokens and credentials', () => {
      it('each account’s platform was only ever sent its own credentials, and never refused one', () => {
        expect(world.strays, 'requests to a shared simulator acting for no account').toEqual([]);
        for (const s of world.sims) {
          const seen = world.exchanges.get(s)!;
          const presented = seen.map((x) => s.sim.presented(x)).filter((c) => c !== undefined);
          expect(presented.length, simName(s)).toBeGreaterThan(0);
          expect(new Set(presented), simName(s)).toEqual(new Set(s.sim.credentials));
          expect(
            seen.filter((x) => x.status === 401 || (x.route === 'token' && x.status >= 400)).map((x) => `${x.route} ${x.status}`),
            simName(s),
          ).toEqual([]);
        }
        const logs = world.server.logs.text;
        for (const secret of world.sims.flatMap((s) => s.sim.secrets)) expect(logs.includes(secret), 'a secret in the logs').toBe(false);
      });
    });
  }

  // Last: it reads every answer the cases above got.
  it('no answer to a caller of one tenant ever named another tenant’s accounts, hosts, ids or keys (beyond what the caller sent)', () => {
    const tenants = [...new Set(world.answers.map((a) => a.tenant))];
    expect(tenants.sort()).toEqual(['acme', 'default', 'globex']);
    const leaks: string[] = [];
    const markers = new Map(tenants.map((t) => [t, world.markersOf(t)]));
    for (const answer of world.answers) {
      // Beyond what the caller sent — in this request, and for `providers` in any earlier one of its tenant: an account's
      // own row echoes its last error, which may quote a value its own caller sent (another account's Sangoma tenant
      // domain, sent to find no oracle).
      const excused = /\bproviders\b/.test(answer.request) ? answer.sentSoFar : answer.request;
      for (const other of tenants.filter((t) => t !== answer.tenant)) {
        for (const m of markers.get(other)!) {
          const hit = (text: string) => (typeof m === 'string' ? text.includes(m) : m.test(text));
          if (!hit(excused) && hit(answer.raw)) {
            const at = typeof m === 'string' ? answer.raw.indexOf(m) : answer.raw.search(m);
            leaks.push(
              `${answer.tenant} got ${String(m)} of ${other} in ${answer.request.slice(0, 80)}: …${answer.raw.slice(Math.max(0, at - 200), at + 100)}…`,
            );
          }
        }
      }
    }
    expect(leaks.join('\n')).toBe('');
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `text` with every segment of `path` that differs from `other`'s, as a whole token, replaced by its position. */
function alike(text: string, path: string, other: string): string {
  const theirs = other.split('/');
  return path
    .split('/')
    .reduce((t, seg, i) => (seg && seg !== theirs[i] ? t.replace(new RegExp(`(?<![A-Za-z0-9])${escape(seg)}(?![A-Za-z0-9])`, 'g'), `<${i}>`) : t), text);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function only(labels: string[]): string | undefined {
  return labels.length === 1 ? labels[0] : labels.length ? `several: ${labels.join(', ')}` : undefined;
}

function rep(e: EntityCase, provider: ProviderName, account: string, id: string): Data {
  return { __typename: e.type, ref: encodeRef(provider, account, id) };
}
