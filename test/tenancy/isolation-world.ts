/**
 * The world the isolation contract runs in (docs/tenancy.md, "What is isolated, and how"): tenants `acme` and
 * `globex`, two accounts each on every credential platform, every account its own simulator with credentials and
 * data of its own (every id, name and domain carries the account's label, `acme-emea`), plus tenant `default`'s
 * NewVoiceMedia account from the variables, the neighbour a deployment keeps from its single-tenant days. Both
 * tenants have an account named `emea`: the same name in two tenants must never meet. On the PBX, whose accounts come
 * from consent, each of the three tenants connects PBX users of its own into its one account `default`.
 *
 * Each platform is one fixture (PLATFORMS); a platform module without one fails the suite.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import { loadConfig } from '../../src/app/config.js';
import type { ProviderName } from '../../src/domain/provider-name.js';
import { createServer } from '../../src/server/server.js';
import {
  createCallJourneySimulator,
  createCloudCxSimulator,
  createNvmSimulator,
  createSangomaSimulator,
  sampleNvmUsers,
  type SimExchange,
  type SimServer,
} from '../../src/simulators/index.js';
import { decodeRef } from '../../src/tenancy/entity-ref.js';
import { freePort } from '../support/free-port.js';
import { graphql, type GraphQLResult, type TestServer } from '../support/harness.js';
import { LogCapture } from '../support/log-capture.js';
import { uniqueNamespace, REDIS_URL } from '../support/redis.js';
import { startJwtIssuer, type JwtIssuer } from '../security/jwt-issuer.js';
import { pbx } from './isolation-pbx.js';

export const ROUTER_SECRET = 'router-secret-for-tenancy-tests-0123456789';

/** One account of the world: `label` (`acme-emea`) is in every name, id and credential of its simulator (PBX ids are numbers). */
export interface WorldAccount {
  tenant: string;
  account: string;
  label: string;
  /** 1-based, unique in the world: what count-only answers (availability) identify the account by. */
  index: number;
  isDefault: boolean;
  /** Tenant default's account `default`: configured by the platform's variables, not by the file. */
  viaVariables?: boolean;
}

const fileAccounts = (): WorldAccount[] =>
  (
    [
      ['acme', 'emea', true],
      ['acme', 'nam', false],
      ['globex', 'emea', true],
      ['globex', 'apac', false],
    ] as const
  ).map(([tenant, account, isDefault], i) => ({ tenant, account, label: `${tenant}-${account}`, index: i + 1, isDefault }));

/** The variables' account of tenant default, on the platforms listed in VARIABLES_PLATFORMS. */
const VARIABLES_ACCOUNT: WorldAccount = { tenant: 'default', account: 'default', label: 'default-default', index: 5, isDefault: true, viaVariables: true };
const VARIABLES_PLATFORMS: readonly ProviderName[] = ['NEWVOICEMEDIA'];

export const TENANTS = ['acme', 'globex'] as const;

/** What a platform fixture makes for one account. */
export interface AccountSim {
  server: SimServer;
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  /** The account's settings in the accounts file (secrets as files written under `dir`). */
  settings(dir: string): Record<string, unknown>;
  /** The variables pointing cxgraph at it (tenant default's account only); `cxgraphUrl`: where cxgraph will serve. */
  env(cxgraphUrl: string): Record<string, string>;
  /** The credentials this account's requests may carry, and the one a request carried (undefined: none to read). */
  credentials: readonly string[];
  presented(x: SimExchange): string | undefined;
  /** Anything else that names this account and nothing else (tenant ids, API keys, ids as whole tokens). */
  markers: (string | RegExp)[];
  /** Its secrets: never in a log line or an answer. */
  secrets: string[];
  /** Where several accounts share one simulator (the PBX): the requests that act for this one. */
  owns?(x: SimExchange): boolean;
  /** Run once cxgraph serves: connects the account where consent does it (the PBX). */
  connect?(world: World): Promise<void>;
  /**
   * The PBX: the PBX user ids this account connected (what pbxAccounts lists), and one more of its PBX users that
   * it connects only inside a case (`spare`). Where every tenant names its account alike (`default`), its user ids
   * are what a caller of another tenant could try as an account name.
   */
  connected?: readonly string[];
  spare?: { id: string; login: string };
  /** The PBX: a consent begun by a caller of this account's tenant, Allow as `login`: where the PBX sends the browser. */
  beginConsent?(world: World, login: string): Promise<URL>;
  /** Sangoma: the calls the platform accepted. */
  placed?(): readonly { kind: string; name: string; tenantDomain: string }[];
  /** NewVoiceMedia and the PBX: the calls (interactions), and the bytes of one media file. */
  interactions?: readonly { guid: string }[];
  bytes?(guid: string, contentKey: string): Buffer | undefined;
}

export interface PlatformFixture {
  provider: ProviderName;
  /** Its accounts, where they are not the file's four (and tenant default's on VARIABLES_PLATFORMS). */
  accounts?: readonly WorldAccount[];
  /** Its accounts come from consent, never from the accounts file: the variables configure it for every tenant. */
  byConsent?: boolean;
  /** The simulators of its accounts, one each unless they share one. */
  create(accounts: readonly WorldAccount[]): AccountSim[];
}

/** One simulator per account. */
const each =
  (create: (a: WorldAccount) => AccountSim) =>
  (accounts: readonly WorldAccount[]): AccountSim[] =>
    accounts.map(create);

const secretFile = (dir: string, name: string, value: string) => {
  const path = join(dir, `${name}.secret`);
  writeFileSync(path, `${value}\n`);
  return path;
};

/** The client id of an OAuth token request: HTTP Basic's user, else the form's client_id. */
function clientIdOf(x: SimExchange): string | undefined {
  const auth = x.request.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Basic ')) return decodeURIComponent(Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[0]!);
  return x.request.form().get('client_id') ?? undefined;
}
const tokenClientId = (x: SimExchange) => (x.route === 'token' ? clientIdOf(x) : undefined);

const callJourney: PlatformFixture = {
  provider: 'CALLJOURNEY',
  create: each((a) => {
    const tenantId = `00000000-0000-4000-8000-${String(a.index).padStart(12, '0')}`;
    const client = { clientId: `${a.label}-cj`, clientSecret: `${a.label}-cj-secret` };
    const sim = createCallJourneySimulator({
      tenantId,
      clients: [client],
      recordings: [
        { company: 'shared', organisation: 'ops', folder: '2024-05', filename: `${a.label}.wav`, callId: `${a.label}-call` },
        // The recording cache's probe: one file, held by acme/emea alone.
        ...(a.label === 'acme-emea' ? [{ company: 'shared', organisation: 'ops', folder: '2024-05', filename: 'probe.wav', callId: 'acme-emea-probe' }] : []),
      ],
    });
    return {
      server: sim.server,
      start: () => sim.start(),
      stop: () => sim.stop(),
      settings: (dir) => ({
        tenantId,
        clientId: client.clientId,
        clientSecretFile: secretFile(dir, `${a.label}-cj`, client.clientSecret),
        baseUrl: sim.baseUrl,
        tokenUrl: sim.tokenUrl,
        // The shared recording cache on, hits and misses: a check by one account must never answer another.
        recordingCacheTtlSeconds: 300,
        recordingMissCacheTtlSeconds: 300,
      }),
      env: () => ({ ...sim.env() }),
      credentials: [client.clientId],
      presented: tokenClientId,
      markers: [tenantId],
      secrets: [client.clientSecret],
    };
  }),
};

const sangoma: PlatformFixture = {
  provider: 'SANGOMA',
  create: each((a) => {
    const client = { clientId: `${a.label}-sg`, clientSecret: `${a.label}-sg-secret` };
    const sim = createSangomaSimulator({
      clients: [client],
      tenants: [{ domain: `${a.label}.cx.example.com`, agents: [`${a.label}-agent`], queues: [`${a.label}-queue`] }],
    });
    return {
      server: sim.server,
      start: () => sim.start(),
      stop: () => sim.stop(),
      settings: (dir) => ({
        clientId: client.clientId,
        clientSecretFile: secretFile(dir, `${a.label}-sg`, client.clientSecret),
        baseUrl: sim.baseUrl,
        tokenUrl: sim.tokenUrl,
      }),
      env: () => ({ ...sim.env() }),
      credentials: [client.clientId],
      presented: tokenClientId,
      markers: [],
      secrets: [client.clientSecret],
      placed: () => sim.calls,
    };
  }),
};

/** acme's CloudCX accounts use the password grant, globex's an API key: both ways of authenticating are covered. */
const cloudCx: PlatformFixture = {
  provider: 'CLOUDCX',
  create: each((a) => {
    const apiKey = `cxk-${a.label}-${'0'.repeat(32)}`;
    const client = { clientId: `${a.label}-cx`, clientSecret: `${a.label}-cx-secret` };
    const login = { username: `${a.label}.admin`, password: `${a.label}-cx-password` };
    const byKey = a.tenant === 'globex';
    const users = [0, 1, 2].map((i) => ({
      id: `${a.label}-cx-${i}`,
      loginCode: `${a.label}-login-${i}`,
      roles: ['Agents'],
      firstName: a.label,
      lastName: `person ${i}`,
      email: `cx${i}@${a.label}.example`,
      phoneNumber: null,
      uniqueCode: null,
    }));
    const sim = createCloudCxSimulator({ clients: [client], accounts: [login], apiKeys: [apiKey], users });
    return {
      server: sim.server,
      start: () => sim.start(),
      stop: () => sim.stop(),
      settings: (dir) =>
        byKey
          ? { baseUrl: sim.baseUrl, apiKeyFile: secretFile(dir, `${a.label}-cx-key`, apiKey) }
          : {
              baseUrl: sim.baseUrl,
              clientId: client.clientId,
              clientSecretFile: secretFile(dir, `${a.label}-cx`, client.clientSecret),
              username: login.username,
              passwordFile: secretFile(dir, `${a.label}-cx-password`, login.password),
            },
      env: () => ({ ...sim.env(byKey ? { auth: 'apiKey' } : {}) }),
      credentials: [byKey ? apiKey : client.clientId],
      // With an API key every API request carries it; with the password grant, token requests carry the client id.
      presented: (x) => (byKey ? x.request.headers.authorization?.replace(/^Bearer /, '') : tokenClientId(x)),
      markers: [apiKey],
      secrets: [apiKey, client.clientSecret, login.password],
    };
  }),
};

const newVoiceMedia: PlatformFixture = {
  provider: 'NEWVOICEMEDIA',
  create: each((a) => {
    const client = {
      clientId: `${a.label}-nvm`,
      clientSecret: `${a.label}-nvm-secret`,
      scopes: ['users:read', 'agents-availability:read', 'interaction-content:read'],
    };
    // Six agents; the first `index` have skill `shared` and are Ready, so availability's counts name the account.
    const users = sampleNvmUsers()
      .slice(0, 6)
      .map((u, i) => ({
        ...u,
        userId: `${a.label}-user-${i}`,
        username: `user${i}@${a.label}.example`,
        name: `${a.label} person ${i}`,
        email: `user${i}@${a.label}.example`,
        active: true,
        userAccountConfiguration: { role: 'Agent', chargeable: true, actAsAgent: true, agentConfiguration: { agentDisplayId: String(2000 + i) } },
        skills: i < a.index ? ['shared'] : [`${a.label}-only`],
        state: i < a.index ? ('Ready' as const) : ('Away' as const),
      }));
    const interactions = [0, 1].map((i) => ({
      guid: randomUUID(),
      start: `2024-05-01T0${8 + i}:00:00.000Z`,
      connectFrom: `${a.label}-caller-${i}`,
      connectTo: '+442039000000',
      direction: 'inbound' as const,
      handlingAgents: [{ id: `${a.label}-user-${i}` }],
      content: [
        {
          contentKey: `rec-${i}`,
          type: 'callRecording',
          contentType: 'audio/wav',
          contentLength: 44 + 16_000,
          lastModified: '2024-05-01T10:00:00.000Z',
          properties: { fileName: `${a.label}-${i}.wav` },
        },
      ],
    }));
    const sim = createNvmSimulator({ clients: [client], users, interactions });
    return {
      server: sim.server,
      start: () => sim.start(),
      stop: () => sim.stop(),
      settings: (dir) => ({
        clientId: client.clientId,
        clientSecretFile: secretFile(dir, `${a.label}-nvm`, client.clientSecret),
        authBaseUrl: sim.authBaseUrl,
        apiBaseUrl: sim.apiBaseUrl,
      }),
      env: () => ({ ...sim.env() }),
      credentials: [client.clientId],
      presented: tokenClientId,
      markers: interactions.map((x) => x.guid),
      secrets: [client.clientSecret],
      interactions,
      bytes: (guid, key) => sim.contentBytes(guid, key),
    };
  }),
};

/** Every platform of the provider list, each with its fixture. */
export const PLATFORMS: readonly PlatformFixture[] = [callJourney, sangoma, cloudCx, newVoiceMedia, pbx];

export interface SimOf {
  account: WorldAccount;
  provider: ProviderName;
  sim: AccountSim;
}

/** One caller's answer, kept so the suite can check afterwards that nothing of another tenant reached it. */
export interface Answered {
  tenant: string;
  request: string;
  raw: string;
  /** Every request the tenant's callers had sent when this answer came (this one included, and any still in flight). */
  sentSoFar: string;
}

/**
 * How requests name their tenant: a router's header (CXGRAPH_AUTH=router-secret, CXGRAPH_TENANT_HEADER) or a claim
 * of the caller's own JWT (CXGRAPH_AUTH=jwt, CXGRAPH_TENANT_CLAIM; the token also holds `calls:write`).
 */
export type TenantSource = 'router-header' | 'jwt-claim';

export class World {
  readonly accounts: WorldAccount[] = fileAccounts();
  readonly sims: SimOf[] = [];
  readonly exchanges = new Map<SimOf, SimExchange[]>();
  /** Requests to a simulator several accounts share that acted for none of them. */
  readonly strays: string[] = [];
  readonly answers: Answered[] = [];
  private readonly sent = new Map<string, string>();
  readonly prefix = uniqueNamespace();
  server!: TestServer;
  private idp?: JwtIssuer;

  constructor(readonly source: TenantSource = 'router-header') {
    for (const platform of PLATFORMS) {
      const accounts = platform.accounts ?? [...this.accounts, ...(VARIABLES_PLATFORMS.includes(platform.provider) ? [VARIABLES_ACCOUNT] : [])];
      platform.create(accounts).forEach((sim, i) => this.add({ account: accounts[i]!, provider: platform.provider, sim }));
    }
    for (const server of new Set(this.sims.filter((s) => s.sim.owns).map((s) => s.sim.server))) {
      const sharing = this.sims.filter((s) => s.sim.server === server);
      server.onRequest((x) => {
        if (!sharing.some((s) => s.sim.owns!(x))) this.strays.push(`${sharing[0]!.provider} ${x.route} ${x.status}`);
      });
    }
  }

  private add(s: SimOf) {
    this.sims.push(s);
    this.exchanges.set(s, []);
    s.sim.server.onRequest((x) => {
      if (!s.sim.owns || s.sim.owns(x)) this.exchanges.get(s)!.push(x);
    });
  }

  async start(): Promise<void> {
    await Promise.all(this.sims.map((s) => s.sim.start()));
    // The PBX's redirect URI names cxgraph's own callback: the port is chosen first.
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const dir = mkdtempSync(join(tmpdir(), 'cxgraph-isolation-'));
    const tenants: Record<string, Record<string, Record<string, Record<string, unknown>>>> = {};
    const env: Record<string, string> = {};
    for (const { account: a, provider, sim } of this.sims) {
      if (a.viaVariables) {
        Object.assign(env, sim.env(url));
        continue;
      }
      if (PLATFORMS.find((p) => p.provider === provider)!.byConsent) continue;
      ((tenants[a.tenant] ??= {})[provider] ??= {})[a.account] = { ...(a.isDefault ? { default: true } : {}), ...sim.settings(dir) };
    }
    const path = join(dir, 'accounts.json');
    writeFileSync(path, JSON.stringify({ tenants }));
    if (this.source === 'jwt-claim') this.idp = await startJwtIssuer();
    const logs = new LogCapture();
    // As test/support/harness.ts's startServer does, on the port chosen above.
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'debug',
      CXGRAPH_RECORDING_CACHE_TTL_SECONDS: '0',
      ...env,
      ...(this.idp
        ? { ...this.idp.env(), CXGRAPH_TENANT_CLAIM: 'org_id' }
        : { CXGRAPH_AUTH: 'router-secret', CXGRAPH_ROUTER_SECRET: ROUTER_SECRET, CXGRAPH_TENANT_HEADER: 'x-tenant-id' }),
      CXGRAPH_ACCOUNTS_FILE: path,
      CXGRAPH_SIMULATORS: 'off',
      REDIS_URL,
      CXGRAPH_REDIS_PREFIX: this.prefix,
      // Stored PBX connections hold trusted apps' secrets: sealed, as production requires.
      CXGRAPH_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
      // A 429 fails at once instead of waiting: the cool-down cases need no clock.
      CXGRAPH_RETRY_AFTER_CAP_SECONDS: '0',
    });
    const server = await createServer(config, { logger: logs.logger });
    await server.listen(port, '127.0.0.1');
    this.server = { server, url, logs, gql: (q, v, h) => graphql(url, q, v, h), close: () => server.close() };
    // Tenants connect by consent (the PBX) once cxgraph serves, each tenant on its own.
    await Promise.all(this.sims.map((s) => s.sim.connect?.(this)));
  }

  async stop(): Promise<void> {
    await this.server?.close();
    await this.idp?.close();
    await Promise.all(this.sims.map((s) => s.sim.stop()));
    // PBX connections are kept without expiry: nothing of this world stays in the shared Redis.
    await keysUnder(this.prefix, true);
  }

  /** Every key the world's cxgraph has in Redis (names only: some are sets). */
  keys(): Promise<string[]> {
    return keysUnder(this.prefix);
  }

  /** The simulator of one account on one platform. */
  sim(provider: ProviderName, tenant: string, account: string): SimOf {
    const s = this.sims.find((x) => x.provider === provider && x.account.tenant === tenant && x.account.account === account);
    if (!s) throw new Error(`no ${provider} simulator for ${tenant}/${account}`);
    return s;
  }

  /** The accounts of `provider` in the world (tenant default's only where its variables configure the platform). */
  accountsOf(provider: ProviderName): WorldAccount[] {
    return this.sims.filter((s) => s.provider === provider).map((s) => s.account);
  }

  /** What a caller of `tenant` sends to prove it, the way `source` says. */
  async credentialsOf(tenant: string | undefined): Promise<Record<string, string>> {
    return this.idp
      ? { authorization: `Bearer ${await this.idp.sign({ scope: 'calls:write pbx:admin', ...(tenant ? { org_id: tenant } : {}) })}` }
      : { 'x-router-secret': ROUTER_SECRET, ...(tenant ? { 'x-tenant-id': tenant } : {}) };
  }

  /** A GraphQL request as a caller of `tenant` (undefined: a caller that names none). */
  async ask<T = Record<string, unknown>>(tenant: string | undefined, query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> {
    // What the caller named includes what its refs carry (base64 hides it from a plain text search).
    const named = JSON.stringify({ query, variables }).replace(/"ref":"([A-Za-z0-9_-]+)"/g, (m, ref: string) => `${m} ${JSON.stringify(decodeRef(ref) ?? {})}`);
    if (tenant) this.sent.set(tenant, `${this.sent.get(tenant) ?? ''}\n${named}`);
    const r = await this.server.gql<T>(query, variables, await this.credentialsOf(tenant));
    if (tenant) this.answers.push({ tenant, request: named, raw: r.raw, sentSoFar: this.sent.get(tenant)! });
    return r;
  }

  /**
   * A browser of a user of `tenant` opens `url` (a callback the PBX redirected it to) with no credentials; or, with
   * `as`, a request carrying a caller of tenant `as`'s credentials, to whom the page is then shown.
   */
  async follow(url: URL, tenant: string, as?: string): Promise<{ status: number; text: string }> {
    const who = as ?? tenant;
    this.sent.set(who, `${this.sent.get(who) ?? ''}\n${url.toString()}`);
    const res = await fetch(url, { redirect: 'manual', headers: as ? await this.credentialsOf(as) : {} });
    const text = await res.text();
    this.answers.push({ tenant: who, request: url.toString(), raw: text, sentSoFar: this.sent.get(who)! });
    return { status: res.status, text };
  }

  /** What each simulator was sent while `fn` ran: the simulators that were asked anything, as `PROVIDER tenant/account`. */
  async traffic<T>(fn: () => Promise<T>): Promise<{ result: T; asked: string[] }> {
    const before = new Map(this.sims.map((s) => [s, this.exchanges.get(s)!.length]));
    const result = await fn();
    const asked = this.sims.filter((s) => this.exchanges.get(s)!.length > before.get(s)!).map(simName);
    return { result, asked };
  }

  /** Strings that name something of `tenant` and nothing of anyone else: labels, simulator addresses, ids, keys. */
  markersOf(tenant: string): (string | RegExp)[] {
    const own = this.sims.filter((s) => s.account.tenant === tenant);
    // `default` is every tenant's name for a platform it has no account on (`providers`): never a marker.
    const names = [tenant, ...own.map((s) => s.account.account)].filter((n) => n !== 'default');
    const unique = [...new Set(names)].filter(
      (n) => !this.sims.some((s) => s.account.tenant !== tenant && (s.account.account === n || s.account.tenant === n)),
    );
    const host = (s: SimOf) => new URL(s.sim.server.url).host;
    return [
      ...new Set([
        ...own.map((s) => s.account.label),
        // A simulator every tenant shares (the PBX) names none of them.
        // As a whole host: 127.0.0.1:4321 must not match inside another tenant's 127.0.0.1:43210.
        ...own
          .map(host)
          .filter((h) => !this.sims.some((s) => s.account.tenant !== tenant && host(s) === h))
          .map((h) => new RegExp(`${h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9])`)),
        ...own.flatMap((s) => s.sim.markers),
        // As a whole token: not inside an id or a base64url signature, where it could appear by chance.
        ...unique.map((name) => new RegExp(`(?<![A-Za-z0-9_-])${name}(?![A-Za-z0-9_-])`)),
      ]),
    ];
  }
}

export const simName = (s: SimOf) => `${s.provider} ${s.account.tenant}/${s.account.account}`;

/** Every key under `prefix` (names only: some are sets); with `remove`, deleted too. */
async function keysUnder(prefix: string, remove = false): Promise<string[]> {
  const redis = createClient({ url: REDIS_URL });
  await redis.connect();
  try {
    const found: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) found.push(...batch);
    if (remove && found.length) await redis.del(found);
    return found;
  } finally {
    await redis.close();
  }
}
