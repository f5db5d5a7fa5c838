/**
 * The files behind `docker compose up` and `rover supergraph compose`, checked without a Docker engine:
 * docker-compose.yml, router.yaml, supergraph.yaml and the committed supergraph.graphql must parse and agree
 * with each other on service names, ports, mounted paths and URLs — the mistakes that otherwise only show as
 * a router that cannot reach cxgraph. router.yaml is checked against the configuration keys of the Router version
 * docker-compose.yml pins (ROUTER_CONFIG below).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Kind, parse, print, type ObjectTypeDefinitionNode } from 'graphql';
import { parseDocument } from 'yaml';
import { loadConfig } from '../../src/app/config.js';
import { composeSubgraphs, CXGRAPH, loadSubgraphs, readSupergraphConfig, ROOT, SUPERGRAPH_CONFIG, SUPERGRAPH_FILE } from '../../scripts/compose.js';

type Yaml = Record<string, unknown>;

/**
 * The Router configuration reference, as far as router.yaml uses it: every key of those sections, with its type.
 * Where it comes from: the Router's configuration JSON schema snapshot (apollo-router/src/configuration/snapshots/
 * …schema_generation.snap) was found for 2.13 only, whose header rules are still the flat list, so this is the
 * documented keys of the pinned 2.x line — the sections' structs (plugins/authentication JWTConf and JwksConf,
 * plugins/authorization Conf, Directives and ErrorConfig, include_subgraph_errors, health_check, sandbox,
 * homepage, supergraph) and, for headers, the 2.16 form: `request: { operations: [rules] }` (the 2.16.0 plugin
 * fixtures, and its migration "flat headers.all.request migrates under an operations key"; Router 3 drops the
 * flat list). Closed objects: an unknown key is a mistake the router would report at start-up. `rhai` is the Rhai
 * plugin's `Conf` (plugins/rhai/mod.rs, `RhaiConfig` in the schema snapshot, deny_unknown_fields): `scripts`, a folder,
 * and `main`, a file name in it.
 */
type Shape =
  'string' | 'boolean' | 'integer' | { enum: readonly string[] } | { list: Shape } | { map: Shape } | { keys: Record<string, Shape> } | { oneOf: Shape[] };
const ROUTER_CONFIG_SINCE = '2.16';
const headerRule: Shape = {
  oneOf: [
    { keys: { propagate: { oneOf: [{ keys: { named: 'string', rename: 'string', default: 'string' } }, { keys: { matching: 'string' } }] } } },
    {
      keys: {
        insert: {
          oneOf: [
            { keys: { name: 'string', value: 'string' } },
            { keys: { name: 'string', from_context: 'string' } },
            { keys: { name: 'string', path: 'string', default: 'string' } },
          ],
        },
      },
    },
    { keys: { remove: { oneOf: [{ keys: { named: 'string' } }, { keys: { matching: 'string' } }] } } },
  ],
};
const rateLimit: Shape = { keys: { capacity: 'integer', interval: 'string' } };
const routerShaping: Record<string, Shape> = { timeout: 'string', global_rate_limit: rateLimit, concurrency_limit: 'integer' };
const subgraphShaping: Record<string, Shape> = {
  timeout: 'string',
  global_rate_limit: rateLimit,
  deduplicate_query: 'boolean',
  compression: { enum: ['gzip', 'br', 'deflate'] },
  experimental_http2: { enum: ['enable', 'disable', 'http2only'] },
};
const headerLocation: Shape = { keys: { request: { keys: { operations: { list: headerRule } } } } };
const ROUTER_CONFIG: Shape = {
  keys: {
    supergraph: {
      keys: {
        listen: 'string',
        path: 'string',
        introspection: 'boolean',
        redact_query_validation_errors: 'boolean',
        generate_query_fragments: 'boolean',
        defer_support: 'boolean',
        early_cancel: 'boolean',
      },
    },
    sandbox: { keys: { enabled: 'boolean' } },
    homepage: { keys: { enabled: 'boolean', graph_ref: 'string' } },
    include_subgraph_errors: { keys: { all: 'boolean', subgraphs: { map: 'boolean' } } },
    health_check: { keys: { listen: 'string', enabled: 'boolean', path: 'string' } },
    authentication: {
      keys: {
        router: {
          keys: {
            jwt: {
              keys: {
                jwks: {
                  list: {
                    keys: {
                      url: 'string',
                      issuers: { list: 'string' },
                      audiences: { list: 'string' },
                      algorithms: { list: 'string' },
                      poll_interval: 'string',
                      allow_missing_exp: 'boolean',
                    },
                  },
                },
                header_name: 'string',
                header_value_prefix: 'string',
                ignore_other_prefixes: 'boolean',
                on_error: { enum: ['Continue', 'Error'] },
              },
            },
          },
        },
      },
    },
    authorization: {
      keys: {
        require_authentication: 'boolean',
        directives: {
          keys: {
            enabled: 'boolean',
            dry_run: 'boolean',
            reject_unauthorized: 'boolean',
            errors: { keys: { log: 'boolean', response: { enum: ['errors', 'extensions', 'disabled'] } } },
          },
        },
      },
    },
    headers: { keys: { all: headerLocation, subgraphs: { map: headerLocation } } },
    rhai: { keys: { scripts: 'string', main: 'string' } },
    // plugins/traffic_shaping: Config { router: RouterShaping, all: SubgraphShaping, subgraphs: map of SubgraphShaping }.
    traffic_shaping: { keys: { router: { keys: routerShaping }, all: { keys: subgraphShaping }, subgraphs: { map: { keys: subgraphShaping } } } },
  },
};

/** Every place `value` departs from `shape`, as `path: problem`; [] when it fits. */
function checkShape(value: unknown, shape: Shape, path = ''): string[] {
  const here = path || '(root)';
  const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  if (shape === 'string' || shape === 'boolean') return typeof value === shape ? [] : [`${here}: expected a ${shape}, got ${kind}`];
  if (shape === 'integer') return Number.isInteger(value) ? [] : [`${here}: expected an integer, got ${kind}`];
  if ('enum' in shape) return shape.enum.includes(value as string) ? [] : [`${here}: expected one of ${shape.enum.join(', ')}`];
  if ('oneOf' in shape) return shape.oneOf.some((s) => checkShape(value, s, path).length === 0) ? [] : [`${here}: matches none of the documented forms`];
  if ('list' in shape)
    return Array.isArray(value) ? value.flatMap((v, i) => checkShape(v, shape.list, `${path}[${i}]`)) : [`${here}: expected a list, got ${kind}`];
  if (kind !== 'an object') return [`${here}: expected an object, got ${kind}`];
  const entries = Object.entries(value as Yaml);
  if ('map' in shape) return entries.flatMap(([k, v]) => checkShape(v, shape.map, path ? `${path}.${k}` : k));
  return entries.flatMap(([k, v]) => {
    const at = path ? `${path}.${k}` : k;
    const sub = shape.keys[k];
    return sub ? checkShape(v, sub, at) : [`${at}: not a key of this section`];
  });
}

function readYaml(file: string): Yaml {
  const doc = parseDocument(readFileSync(resolve(ROOT, file), 'utf8'), { uniqueKeys: true });
  expect(
    doc.errors.map((e) => e.message),
    `${file} must parse`,
  ).toEqual([]);
  expect(
    doc.warnings.map((e) => e.message),
    `${file} must parse without warnings`,
  ).toEqual([]);
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
  it("runs Redis, cxgraph and the official Apollo Router image, pinned to a v2 release that reads router.yaml's form", () => {
    expect(Object.keys(services).sort()).toEqual(['cxgraph', 'redis', 'router']);
    expect(routerService.image).toMatch(/^ghcr\.io\/apollographql\/router:v2\.\d+\.\d+$/);
    const [minor, patch] = String(routerService.image).split(':v2.')[1]!.split('.').map(Number);
    expect(minor! * 1000 + patch!, `header rules under request.operations need Router ${ROUTER_CONFIG_SINCE}`).toBeGreaterThanOrEqual(16_000);
    expect(at(routerService, 'depends_on', 'cxgraph', 'condition')).toBe('service_healthy');
    // The router needs a GraphOS graph to start with JWT authentication and @requiresScopes: a plain
    // `docker compose up` (Redis + cxgraph) must not depend on it.
    expect(routerService.profiles).toEqual(['router']);
    for (const name of ['cxgraph', 'redis']) expect((services[name] as Yaml).profiles).toBeUndefined();
  });

  it('gives the router its GraphOS graph (pass-through) and cxgraph the public URL its media links use', () => {
    const env = routerService.environment as Yaml;
    // Null values: passed through from the shell or .env only when set (JWT authentication and authorization
    // directives are GraphOS features the router refuses to start without).
    expect(env).toHaveProperty('APOLLO_KEY', null);
    expect(env).toHaveProperty('APOLLO_GRAPH_REF', null);
    const publicUrl = String(at(cxService, 'environment', 'CXGRAPH_PUBLIC_URL'));
    expect(publicUrl).toBe(`\${CXGRAPH_PUBLIC_URL:-http://localhost:${String(at(cxService, 'environment', 'PORT'))}}`);
    expect(cxService.ports).toContain(`${String(at(cxService, 'environment', 'PORT'))}:${String(at(cxService, 'environment', 'PORT'))}`);
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
    const listenPort = String(at(router, 'supergraph', 'listen'))
      .split(':')
      .pop();
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
  it(`uses only keys of the Router ${ROUTER_CONFIG_SINCE}+ configuration, with their types`, () => {
    expect(checkShape(router, ROUTER_CONFIG)).toEqual([]);
  });

  it('the check refuses the pre-2.16 flat header list and unknown keys (so the test above can fail)', () => {
    const flat = structuredClone(router);
    (flat.headers as Yaml).all = { request: [{ propagate: { named: 'authorization' } }] };
    expect(checkShape(flat, ROUTER_CONFIG)).toEqual(['headers.all.request: expected an object, got an array']);
    const typo = structuredClone(router);
    (typo.authorization as Yaml).directive = { enabled: true };
    expect(checkShape(typo, ROUTER_CONFIG)).toEqual(['authorization.directive: not a key of this section']);
  });

  it("keeps cxgraph's typed errors, serves Sandbox with introspection, and forwards the caller's credentials", () => {
    expect(at(router, 'include_subgraph_errors', 'all')).toBe(true);
    expect(at(router, 'sandbox', 'enabled')).toBe(true);
    expect(at(router, 'supergraph', 'introspection')).toBe(true);
    expect(at(router, 'homepage', 'enabled')).toBe(false);
    const propagated = ((at(router, 'headers', 'all', 'request', 'operations') as Yaml[]) ?? []).map((r) => at(r, 'propagate', 'named'));
    expect(propagated).toEqual(expect.arrayContaining(['authorization', 'x-request-id']));
  });

  it('configures headers only for subgraphs supergraph.yaml names', () => {
    const names = readSupergraphConfig().subgraphs.map((s) => s.name);
    for (const s of Object.keys((at(router, 'headers', 'subgraphs') as Yaml | undefined) ?? {})) expect(names).toContain(s);
    const inserted = ((at(router, 'headers', 'subgraphs', CXGRAPH, 'request', 'operations') as Yaml[]) ?? []).flatMap((r) => at(r, 'insert', 'name') ?? []);
    expect(inserted).toEqual(['x-router-secret', 'x-cxgraph-deadline-ms']);
  });

  it('gives cxgraph a router timeout above its deadline, and forwards a deadline under that timeout', () => {
    const seconds = (d: unknown) => Number(/^(\d+)s$/.exec(String(d))?.[1]);
    const timeoutMs = 1000 * seconds(at(router, 'traffic_shaping', 'subgraphs', CXGRAPH, 'timeout'));
    const deadlineMs = loadConfig({}, []).resilience.requestDeadlineMs;
    expect(timeoutMs).toBeGreaterThan(deadlineMs);
    const forwarded = ((at(router, 'headers', 'subgraphs', CXGRAPH, 'request', 'operations') as Yaml[]) ?? []).find(
      (r) => at(r, 'insert', 'name') === 'x-cxgraph-deadline-ms',
    );
    const forwardedMs = Number(at(forwarded, 'insert', 'value'));
    expect(forwardedMs).toBeGreaterThan(0);
    expect(forwardedMs).toBeLessThan(timeoutMs);
    // The router's own request timeout (default 30 s) stays above the subgraph's.
    expect(timeoutMs).toBeLessThan(1000 * (seconds(at(router, 'traffic_shaping', 'router', 'timeout')) || 30));
  });

  it("verifies callers' JWTs from the environment and enforces the supergraph's @requiresScopes", () => {
    const jwks = at(router, 'authentication', 'router', 'jwt', 'jwks') as Yaml[];
    expect(jwks).toEqual([{ url: '${env.ROUTER_JWT_JWKS_URL}', issuers: ['${env.ROUTER_JWT_ISSUER}'], audiences: ['${env.ROUTER_JWT_AUDIENCE}'] }]);
    expect(at(router, 'authorization', 'require_authentication')).toBe(true);
    expect(at(router, 'authorization', 'directives')).toEqual({ enabled: true, reject_unauthorized: false, errors: { log: true, response: 'errors' } });
    // …and the supergraph it serves carries them.
    const supergraph = readFileSync(SUPERGRAPH_FILE, 'utf8');
    expect(supergraph).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)');
    const mutation = parse(supergraph).definitions.find(
      (d) => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === 'Mutation',
    ) as ObjectTypeDefinitionNode;
    const scoped = Object.fromEntries(
      (mutation.fields ?? []).flatMap((f) => f.directives?.filter((d) => d.name.value === 'requiresScopes').map((d) => [f.name.value, print(d)]) ?? []),
    );
    expect(scoped).toEqual({
      startAgentCall: '@requiresScopes(scopes: [["calls:write"]])',
      startQueueCallback: '@requiresScopes(scopes: [["calls:write"]])',
      beginPbxConnection: '@requiresScopes(scopes: [["pbx:admin"]])',
      disconnectPbxAccount: '@requiresScopes(scopes: [["pbx:admin"]])',
    });
  });
});

describe('the tenant header (router.yaml, rhai/main.rhai, docker-compose.yml)', () => {
  const TENANT_HEADER = 'x-tenant-id';
  const rules = (...path: string[]) => (at(router, 'headers', ...path, 'request', 'operations') as Yaml[] | undefined) ?? [];
  const scriptsDir = String(at(router, 'rhai', 'scripts'));
  const mainFile = String(at(router, 'rhai', 'main'));
  const mount = mounts(routerService).find((m) => m.container === scriptsDir);
  const script = mount ? readFileSync(resolve(ROOT, mount.host, mainFile), 'utf8') : '';
  /** The script without its comments, for checks that must not be satisfied by a comment. */
  const code = script.replace(/\/\/.*$/gm, '');

  it("loads a Rhai main file from a folder docker-compose.yml mounts into the router's container", () => {
    expect(mount, `a volume mounting ${scriptsDir}`).toBeDefined();
    expect(mount!.host.startsWith('./')).toBe(true);
    expect(existsSync(resolve(ROOT, mount!.host, mainFile)), `${mount!.host}/${mainFile}`).toBe(true);
  });

  it("never passes a caller's own x-tenant-id to cxgraph: removed after every rule that could pass it on", () => {
    // Rules for a subgraph are `all`'s, then its own, in order (plugins/headers): the remove must be the last that
    // touches the header, and no rule may copy it in afterwards.
    const all = [...rules('all'), ...rules('subgraphs', CXGRAPH)];
    const touches = (r: Yaml) => {
      const named = [at(r, 'propagate', 'named'), at(r, 'propagate', 'rename'), at(r, 'insert', 'name'), at(r, 'remove', 'named')];
      const matching = [at(r, 'propagate', 'matching'), at(r, 'remove', 'matching')].filter((m): m is string => typeof m === 'string');
      return named.includes(TENANT_HEADER) || matching.some((m) => new RegExp(m).test(TENANT_HEADER));
    };
    const last = all.filter(touches).at(-1);
    expect(last).toEqual({ remove: { named: TENANT_HEADER } });
  });

  it('copies the verified claim into that header, for cxgraph only, named by a variable the router is given', () => {
    // The hook the Router calls per subgraph, and the guard that keeps the tenant away from other subgraphs.
    expect(code).toMatch(/^fn subgraph_service\(service, subgraph\) \{$/m);
    expect(code).toContain(`if subgraph != "${CXGRAPH}" {`);
    // The claims the JWT plugin verified (apollo::authentication::jwt_claims), never a header of the caller's.
    expect(code).toContain('request.context[Router.APOLLO_AUTHENTICATION_JWT_CLAIMS]');
    expect(code).not.toMatch(/request\.headers\[/);
    expect(code).toContain(`let header = "${TENANT_HEADER}";`);
    expect(code).toContain('request.subgraph.headers[header] = tenant;');
    expect(code).toMatch(/if type_of\(tenant\) == "string" && tenant != "" \{/);
    // Registered as a request callback; the variable is one docker-compose.yml passes to the router.
    expect(code).toMatch(/service\.map_request\(\|request\| \{/);
    const variables = [...code.matchAll(/env::get\("(\w+)"\)/g)].map((m) => m[1]!);
    expect(variables).toEqual(['ROUTER_TENANT_CLAIM']);
    expect(Object.keys(routerService.environment as Yaml)).toContain('ROUTER_TENANT_CLAIM');
    // An unset variable must not fail the hook: env::get throws then.
    expect(code).toMatch(/try \{\s*claim = env::get\("ROUTER_TENANT_CLAIM"\);\s*\} catch \(err\) \{/);
  });

  it('is a well-formed script: brackets balance outside strings', () => {
    const stack: string[] = [];
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    for (const ch of code.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
      if ('([{'.includes(ch)) stack.push(ch);
      else if (ch in pairs) expect(stack.pop(), 'a closing bracket without its opening one').toBe(pairs[ch]);
    }
    expect(stack).toEqual([]);
  });

  it('agrees with cxgraph: the header is the one the docs and the two-tenant demo use', () => {
    const config = loadConfig(
      { CXGRAPH_AUTH: 'router-secret', CXGRAPH_ROUTER_SECRET: 'router-secret-0123456789abcdef', CXGRAPH_TENANT_HEADER: TENANT_HEADER },
      [],
    );
    expect(config.tenancy).toMatchObject({ multiTenant: true, header: TENANT_HEADER });
    expect(readFileSync(resolve(ROOT, 'docs/tenancy.md'), 'utf8')).toContain('rhai/main.rhai');
  });
});

describe('supergraph.yaml', () => {
  const config = readSupergraphConfig(SUPERGRAPH_CONFIG);
  const cx = config.subgraphs.find((s) => s.name === CXGRAPH)!;

  it('routes to cxgraph by its compose service name and PORT, and lets Rover introspect the published port', () => {
    expect(services[CXGRAPH]).toBeDefined();
    const port = String(at(cxService, 'environment', 'PORT'));
    expect(cx.routingUrl).toBe(`http://${CXGRAPH}:${port}/`);
    const raw = readYaml('supergraph.yaml');
    expect(at(raw, 'subgraphs', CXGRAPH, 'schema', 'subgraph_url')).toBe(`http://localhost:${port}/`);
  });

  it("sends Rover's introspection the credentials cxgraph asks for, from the environment (empty when unset)", () => {
    const raw = readYaml('supergraph.yaml');
    expect(at(raw, 'subgraphs', CXGRAPH, 'schema', 'introspection_headers')).toEqual({
      'x-router-secret': '${env.CXGRAPH_ROUTER_SECRET:-}',
      authorization: '${env.CXGRAPH_INTROSPECTION_AUTHORIZATION:-}',
    });
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
    expect(() => readSupergraphConfig(bad)).toThrow(
      /federation_version[\s\S]*routing_url[\s\S]*schema must have a file or a subgraph_url[\s\S]*must include cxgraph/,
    );
  });
});
