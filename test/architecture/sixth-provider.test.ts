/**
 * Adding a platform is its two folders, one line in each list and one value in the schema's enum: a throw-away
 * sixth provider (a small people directory with a simulator of its own) is configured from its own variables,
 * started and pointed at by the embedded default, reported by `providers`, `/readyz` and the start-up
 * configuration summary, and answers `users(provider: ACME)` through the capability dispatch and the shared
 * upstream client. What it stands in for: `src/providers/acme/` (the module below), `src/simulators/acme/` (AcmeSim),
 * PROVIDERS and SIMULATORS extended by one entry, and `enum Provider { … ACME }` in schema/providers.graphql (here in
 * a copy of the schema folder). Without that value cxgraph refuses to start, naming it.
 */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEmbeddedSimulators } from '../support/simulators.js';
import { describeConfig, loadConfig } from '../../src/app/config.js';
import { defineProvider, type ProviderModule } from '../../src/providers/provider-module.js';
import { SCHEMA_DIR } from '../../src/graphql/schema.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { defineSimulator, SIMULATORS, SimulatorShell } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';

interface AcmeConfig {
  baseUrl: string;
  apiKey: string;
}

interface AcmePerson {
  key: string;
  displayName: string;
}

const acme = defineProvider<AcmeConfig>({
  name: 'ACME',
  title: 'Acme Directory',
  capabilities: ['users'],
  configuredBy: 'ACME_BASE_URL and ACME_API_KEY',
  variables: ['ACME_BASE_URL', 'ACME_API_KEY'],
  loadConfig(r) {
    const g = r.group('Acme Directory', ['ACME_BASE_URL', 'ACME_API_KEY']);
    return g && { baseUrl: r.url('ACME_BASE_URL', g.ACME_BASE_URL!), apiKey: g.ACME_API_KEY! };
  },
  describe: (c) => ({ baseUrl: c.baseUrl }),
  create(config, ports) {
    return {
      capabilities: {
        users: {
          async listUsers(q) {
            const body = await ports.http.json<{ people: AcmePerson[]; total: number }>({
              method: 'GET',
              url: `${config.baseUrl}/people?page=${q.page}&size=${q.pageSize}`,
              operation: 'GET /people',
              auth: { bearer: config.apiKey },
              idempotent: true,
            });
            return {
              nodes: body.people.map((p) => ({
                provider: 'ACME',
                id: p.key,
                name: p.displayName,
                login: null,
                firstName: null,
                lastName: null,
                email: null,
                phoneNumber: null,
                roles: [],
                active: null,
              })),
              totalCount: body.total,
              page: q.page,
              pageSize: q.pageSize,
              totalPages: Math.ceil(body.total / q.pageSize),
            };
          },
        },
      },
    };
  },
});

const PEOPLE: AcmePerson[] = [
  { key: 'p1', displayName: 'Ada Lovelace' },
  { key: 'p2', displayName: 'Alan Turing' },
  { key: 'p3', displayName: 'Grace Hopper' },
];

/** What `src/simulators/acme/` would hold: the platform's API on the shared simulator shell. */
class AcmeSim extends SimulatorShell<{ ACME_BASE_URL: string; ACME_API_KEY: string }> {
  readonly seen: { url: string; authorization?: string }[] = [];
  constructor() {
    super('acme', { initial: 3600, max: 86_400 });
    this.server.route('GET', '/people', 'people', (req) => {
      this.seen.push({ url: `${req.path}?${req.query.toString()}`, authorization: req.headers.authorization });
      if (req.headers.authorization !== 'Bearer acme-key') return { status: 401 };
      const page = Number(req.query.get('page'));
      const size = Number(req.query.get('size'));
      return { status: 200, json: { people: PEOPLE.slice((page - 1) * size, page * size), total: PEOPLE.length } };
    });
  }
  env() {
    return { ACME_BASE_URL: this.server.url, ACME_API_KEY: 'acme-key' };
  }
}

const MODULES: readonly ProviderModule[] = [...PROVIDERS, acme];
const SIMS = [...SIMULATORS, defineSimulator({ key: 'acme', provider: 'ACME', create: () => new AcmeSim(), env: (sim) => sim.env() })] as const;

/** A copy of schema/ with one more value in `enum Provider`: the one line a contributor adds. */
function schemaWithProvider(value: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cxgraph-schema-'));
  for (const f of readdirSync(SCHEMA_DIR)) copyFileSync(join(SCHEMA_DIR, f), join(dir, f));
  const file = join(dir, 'providers.graphql');
  const sdl = readFileSync(file, 'utf8');
  const withValue = sdl.replace(/(enum Provider \{[^}]*?)\n\}/, `$1\n  "Acme Directory (an API key): users."\n  ${value}\n}`);
  expect(withValue).not.toBe(sdl);
  writeFileSync(file, withValue);
  return `${dir}/`;
}

describe('a sixth provider module added through the one list', () => {
  const sims = useEmbeddedSimulators('127.0.0.1', 'http://localhost:4001', SIMS);
  let acmeSim: AcmeSim;
  let upstreamUrl: string;
  let schemaDir: string;
  let t: TestServer | undefined;

  beforeAll(() => {
    acmeSim = sims.acme;
    upstreamUrl = acmeSim.url;
    schemaDir = schemaWithProvider('ACME');
  });

  afterAll(async () => {
    await t?.close();
    if (schemaDir) rmSync(schemaDir, { recursive: true, force: true });
  });

  it('is started and pointed at by the embedded default, with every other platform', () => {
    const config = loadConfig(sims.env, MODULES);
    expect(config.providers.map((p) => p.module.name)).toEqual(MODULES.map((m) => m.name));
    expect(sims.urls.ACME).toBe(upstreamUrl);
  });

  it('is refused at start-up, naming the enum, while the schema does not name it', async () => {
    await expect(startServer({ ...acmeSim.env(), CXGRAPH_SIMULATORS: 'off' }, {}, MODULES)).rejects.toThrow(/Provider enum .* does not name ACME/);
  });

  it('is configured from its variables, described at start-up, and refuses a partial set naming what is missing', () => {
    const config = loadConfig({ ACME_BASE_URL: upstreamUrl, ACME_API_KEY: 'acme-key' }, MODULES);
    expect(config.providers.map((p) => p.module.name)).toEqual(['ACME']);
    expect(config.embeddedSimulators).toBe(false);
    const described = describeConfig(config).providers as Record<string, unknown>;
    expect(described.ACME).toEqual({ baseUrl: upstreamUrl });
    expect(described.CALLJOURNEY).toBe('not configured');
    expect(JSON.stringify(describeConfig(config))).not.toContain('acme-key');
    expect(() => loadConfig({ ACME_BASE_URL: upstreamUrl }, MODULES)).toThrow(/ACME_API_KEY: required for Acme Directory/);
  });

  it('answers through the capability dispatch, is listed by providers and /readyz', async () => {
    t = await startServer({ ...acmeSim.env(), CXGRAPH_SIMULATORS: 'off' }, { schemaDir }, MODULES);
    const r = await t.gql<{ providers: { provider: string; status: string }[]; users: { totalCount: number; nodes: { id: string; name: string }[] } }>(
      '{ providers { provider status } users(provider: ACME, page: 2, pageSize: 2) { totalCount nodes { id name } } }',
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.users).toEqual({ totalCount: 3, nodes: [{ id: 'p3', name: 'Grace Hopper' }] });
    expect(r.data!.providers.map((p) => p.provider)).toEqual(['CALLJOURNEY', 'SANGOMA', 'CLOUDCX', 'NEWVOICEMEDIA', 'PBX', 'ACME']);
    expect(r.data!.providers.find((p) => p.provider === 'ACME')!.status).toBe('CONNECTED');
    expect(r.data!.providers.find((p) => p.provider === 'CLOUDCX')!.status).toBe('NOT_CONFIGURED');
    expect(acmeSim.seen.at(-1)).toEqual({ url: '/people?page=2&size=2', authorization: 'Bearer acme-key' });

    const ready = (await (await fetch(`${t.url}/readyz`)).json()) as { providers: string[] };
    expect(ready.providers).toEqual(['ACME']);
  });

  it('says what it cannot answer (BAD_USER_INPUT) and what other platforms need to be configured', async () => {
    const r = await t!.gql('{ agents(provider: ACME) { id } }');
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'ACME' });
    expect(r.errors![0]!.message).toBe('agents are available for NEWVOICEMEDIA and PBX, not ACME');
    const n = await t!.gql('{ users(provider: CLOUDCX) { totalCount } }');
    expect(n.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED', provider: 'CLOUDCX' });
  });

  it('is PROVIDER_NOT_CONFIGURED, naming its variables, when its variables are not set', async () => {
    const u = await startServer({ CXGRAPH_SIMULATORS: 'off', NVM_CLIENT_ID: 'i', NVM_CLIENT_SECRET: 's' }, { schemaDir }, MODULES);
    try {
      const r = await u.gql('{ users(provider: ACME) { totalCount } }');
      expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED', provider: 'ACME' });
      expect(r.errors![0]!.message).toContain('ACME_BASE_URL and ACME_API_KEY');
    } finally {
      await u.close();
    }
  });
});
