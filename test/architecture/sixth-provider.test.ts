/**
 * Adding a platform is one module in the list: a throw-away sixth provider (a small people directory served by a
 * local HTTP server) is configured from its own variables, reported by `providers`, `/readyz` and the start-up
 * configuration summary, and answers `users(provider: ACME)` through the capability dispatch and the shared
 * upstream client — with no file of cxgraph changed for it.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '../../src/app/config.js';
import { defineProvider, type ProviderModule } from '../../src/providers/provider-module.js';
import { PROVIDERS } from '../../src/providers/index.js';
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

const MODULES: readonly ProviderModule[] = [...PROVIDERS, acme];
const PEOPLE: AcmePerson[] = [
  { key: 'p1', displayName: 'Ada Lovelace' },
  { key: 'p2', displayName: 'Alan Turing' },
  { key: 'p3', displayName: 'Grace Hopper' },
];

describe('a sixth provider module added through the one list', () => {
  let upstream: Server;
  let upstreamUrl: string;
  const seen: { url: string; authorization?: string }[] = [];
  let t: TestServer | undefined;

  beforeAll(async () => {
    upstream = createHttpServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      if (req.headers.authorization !== 'Bearer acme-key') {
        res.writeHead(401).end();
        return;
      }
      const u = new URL(req.url ?? '/', 'http://x');
      const page = Number(u.searchParams.get('page'));
      const size = Number(u.searchParams.get('size'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ people: PEOPLE.slice((page - 1) * size, page * size), total: PEOPLE.length }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await t?.close();
    await new Promise((r) => upstream.close(r));
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
    t = await startServer({ ACME_BASE_URL: upstreamUrl, ACME_API_KEY: 'acme-key', CXGRAPH_SIMULATORS: 'off' }, {}, MODULES);
    const r = await t.gql<{ providers: { provider: string; status: string }[]; users: { totalCount: number; nodes: { id: string; name: string }[] } }>(
      '{ providers { provider status } users(provider: ACME, page: 2, pageSize: 2) { totalCount nodes { id name } } }',
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.users).toEqual({ totalCount: 3, nodes: [{ id: 'p3', name: 'Grace Hopper' }] });
    expect(r.data!.providers.map((p) => p.provider)).toEqual(['CALLJOURNEY', 'SANGOMA', 'CLOUDCX', 'NEWVOICEMEDIA', 'PBX', 'ACME']);
    expect(r.data!.providers.find((p) => p.provider === 'ACME')!.status).toBe('CONNECTED');
    expect(r.data!.providers.find((p) => p.provider === 'CLOUDCX')!.status).toBe('NOT_CONFIGURED');
    expect(seen.at(-1)).toEqual({ url: '/people?page=2&size=2', authorization: 'Bearer acme-key' });

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
    const u = await startServer({ CXGRAPH_SIMULATORS: 'off', NVM_CLIENT_ID: 'i', NVM_CLIENT_SECRET: 's' }, {}, MODULES);
    try {
      const r = await u.gql('{ users(provider: ACME) { totalCount } }');
      expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED', provider: 'ACME' });
      expect(r.errors![0]!.message).toContain('ACME_BASE_URL and ACME_API_KEY');
    } finally {
      await u.close();
    }
  });
});
