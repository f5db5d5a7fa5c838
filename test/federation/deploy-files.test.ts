/**
 * The files behind `docker compose up` and `rover supergraph compose`, checked without a Docker engine:
 * docker-compose.yml, router.yaml, supergraph.yaml and the committed supergraph.graphql must parse and agree
 * with each other on service names, ports, mounted paths and URLs — the mistakes that otherwise only show as
 * a router that cannot reach cxgraph.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { composeSubgraphs, CXGRAPH, loadSubgraphs, readSupergraphConfig, ROOT, SUPERGRAPH_CONFIG, SUPERGRAPH_FILE } from '../../scripts/compose.js';

type Yaml = Record<string, unknown>;

function readYaml(file: string): Yaml {
  const doc = parseDocument(readFileSync(resolve(ROOT, file), 'utf8'), { uniqueKeys: true });
  expect(doc.errors.map((e) => e.message), `${file} must parse`).toEqual([]);
  expect(doc.warnings.map((e) => e.message), `${file} must parse without warnings`).toEqual([]);
  return doc.toJS() as Yaml;
}

const at = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Yaml)[k] : undefined), o);

const compose = readYaml('docker-compose.yml');
const router = readYaml('router.yaml');
const services = at(compose, 'services') as Record<string, Yaml>;
const routerService = services.router!;
const cxService = services.cxgraph!;

/** `host:container[:mode]` volume strings as { host, container }. */
const mounts = (s: Yaml) => ((s.volumes as string[] | undefined) ?? []).map((v) => ({ host: v.split(':')[0]!, container: v.split(':')[1]! }));
/** The value after a flag in the router's command, e.g. --config. */
const flag = (name: string) => {
  const cmd = routerService.command as string[];
  const i = cmd.indexOf(name);
  return i >= 0 ? cmd[i + 1] : undefined;
};

describe('docker-compose.yml', () => {
  it('runs Redis, cxgraph and the official Apollo Router image, pinned to a v2 release', () => {
    expect(Object.keys(services).sort()).toEqual(['cxgraph', 'redis', 'router']);
    expect(routerService.image).toMatch(/^ghcr\.io\/apollographql\/router:v2\.\d+\.\d+$/);
    expect(at(routerService, 'depends_on', 'cxgraph', 'condition')).toBe('service_healthy');
  });

  it('mounts router.yaml and supergraph.graphql where the router command reads them', () => {
    const m = mounts(routerService);
    const config = m.find((x) => x.host === './router.yaml');
    const supergraph = m.find((x) => x.host === './supergraph.graphql');
    expect(config?.container).toBeDefined();
    expect(supergraph?.container).toBeDefined();
    expect(flag('--config')).toBe(config!.container);
    expect(flag('--supergraph')).toBe(supergraph!.container);
    for (const f of ['router.yaml', 'supergraph.graphql']) expect(existsSync(resolve(ROOT, f)), f).toBe(true);
  });

  it("publishes the router's listen port and cxgraph's PORT", () => {
    const listenPort = String(at(router, 'supergraph', 'listen')).split(':').pop();
    expect(routerService.ports).toContain(`${listenPort}:${listenPort}`);
    const cxPort = String(at(cxService, 'environment', 'PORT'));
    expect(cxService.ports).toContain(`${cxPort}:${cxPort}`);
  });

  it('gives the router every environment variable router.yaml expands', () => {
    const used = [...JSON.stringify(router).matchAll(/\$\{env\.(\w+)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    for (const v of used) expect(Object.keys((routerService.environment as Yaml | undefined) ?? {}), v).toContain(v);
  });
});

describe('router.yaml', () => {
  it("keeps cxgraph's typed errors, serves Sandbox with introspection, and forwards the caller's credentials", () => {
    expect(at(router, 'include_subgraph_errors', 'all')).toBe(true);
    expect(at(router, 'sandbox', 'enabled')).toBe(true);
    expect(at(router, 'supergraph', 'introspection')).toBe(true);
    expect(at(router, 'homepage', 'enabled')).toBe(false);
    const propagated = ((at(router, 'headers', 'all', 'request') as Yaml[]) ?? []).map((r) => at(r, 'propagate', 'named'));
    expect(propagated).toEqual(expect.arrayContaining(['authorization', 'x-request-id']));
  });

  it('configures headers only for subgraphs supergraph.yaml names', () => {
    const names = readSupergraphConfig().subgraphs.map((s) => s.name);
    for (const s of Object.keys((at(router, 'headers', 'subgraphs') as Yaml | undefined) ?? {})) expect(names).toContain(s);
    const inserted = ((at(router, 'headers', 'subgraphs', CXGRAPH, 'request') as Yaml[]) ?? []).map((r) => at(r, 'insert', 'name'));
    expect(inserted).toEqual(['x-router-secret']);
  });
});

describe('supergraph.yaml', () => {
  const config = readSupergraphConfig(SUPERGRAPH_CONFIG);
  const cx = config.subgraphs.find((s) => s.name === CXGRAPH)!;

  it("routes to cxgraph by its compose service name and PORT, and lets Rover introspect the published port", () => {
    expect(services[CXGRAPH]).toBeDefined();
    const port = String(at(cxService, 'environment', 'PORT'));
    expect(cx.routingUrl).toBe(`http://${CXGRAPH}:${port}/`);
    const raw = readYaml('supergraph.yaml');
    expect(at(raw, 'subgraphs', CXGRAPH, 'schema', 'subgraph_url')).toBe(`http://localhost:${port}/`);
  });

  it('pins the same Federation composition version the tests and `npm run supergraph` use', () => {
    const installed = (createRequire(import.meta.url)('@apollo/composition/package.json') as { version: string }).version;
    expect(config.federationVersion).toBe(`=${installed}`);
  });

  it('the committed supergraph.graphql is what composing supergraph.yaml gives today (run `npm run supergraph -- --out supergraph.graphql`)', async () => {
    const composed = composeSubgraphs(await loadSubgraphs(config));
    if (!composed.ok) throw new Error(composed.errors.join('\n'));
    expect(readFileSync(SUPERGRAPH_FILE, 'utf8').trimEnd()).toBe(composed.supergraphSdl.trimEnd());
    expect(composed.supergraphSdl).toContain(`@join__graph(name: "${CXGRAPH}", url: "${cx.routingUrl}")`);
  });

  it('reports every problem of a malformed supergraph config at once', () => {
    const bad = resolve(ROOT, 'test/federation/fixtures/bad-supergraph.yaml');
    expect(() => readSupergraphConfig(bad)).toThrow(/federation_version[\s\S]*routing_url[\s\S]*schema must have a file or a subgraph_url[\s\S]*must include cxgraph/);
  });
});
