/** The accounts part of the services: the registry over the accounts file, kept current by its source. */
import type { ConnectionStatus } from '../observability/connection-status.js';
import type { Config } from './config.js';
import type { ProviderInstance } from '../providers/provider-module.js';
import type { ProviderName } from '../domain/provider-name.js';
import { CONSENT_PROVIDERS } from '../tenancy/tenancy-config.js';
import type { HttpRoute } from '../domain/capabilities.js';
import { MEDIA_PREFIX } from '../security/media-links.js';
import { AccountsSource } from '../tenancy/accounts-source.js';
import { AccountRegistry, type RegistryDeps } from '../tenancy/registry.js';

export function startAccounts(
  config: Readonly<Config>,
  deps: Omit<RegistryDeps, 'fromVariables' | 'variablesStatus'> & { instances: ReadonlyMap<ProviderName, ProviderInstance>; status: ConnectionStatus },
): { registry: AccountRegistry; source?: AccountsSource; stop(): void } {
  const file = config.tenancy.accountsFile;
  const registry = new AccountRegistry({ ...deps, fromVariables: deps.instances, variablesStatus: deps.status }, file?.snapshot);
  if (!file) return { registry, stop() {} };
  const source = new AccountsSource(file.snapshot, {
    path: file.path,
    logger: deps.logger,
    modules: deps.modules,
    env: process.env,
    production: config.nodeEnv === 'production',
    fromVariables: config.providers.map((p) => p.module.name),
    notInFile: CONSENT_PROVIDERS,
  });
  source.onChange((s) => registry.replace(s));
  source.start();
  return { registry, source, stop: () => source.stop() };
}

/**
 * Media of an account other than the variables' one: `/media/@<tenant>/<account>/<provider path>` (the
 * ACCOUNT_MEDIA_PREFIX the account view puts its links under), answered by that account's own media route — its
 * `media` capability's, or a route of its own. The signed link covers the whole path, so its tenant and account cannot
 * be changed. A route's path is exact or a prefix ending in `/`, so this one is the prefix `/media/`, listed after every
 * provider's own route: it gets what they do not answer, and answers 404 to anything but `/media/@…`.
 */
export function accountMediaRoute(registry: AccountRegistry, modules: readonly { name: ProviderName }[]): HttpRoute {
  return {
    method: 'GET',
    path: MEDIA_PREFIX,
    async handle(req, res, url) {
      const m = /^\/media\/@([^/]+)\/([^/]+)(\/.*)$/.exec(url.pathname);
      if (m) {
        const [, tenant, account, rest] = m as unknown as [string, string, string, string];
        const inner = new URL(url.href);
        inner.pathname = `/media${rest}`;
        for (const { name } of modules) {
          const instance = registry.instance(tenant, name, account)?.instance;
          const routes = [...(instance?.routes ?? []), ...(instance?.capabilities.media ? [instance.capabilities.media.route] : [])];
          const route = routes.find((r) => r.method === 'GET' && (r.path.endsWith('/') ? inner.pathname.startsWith(r.path) : inner.pathname === r.path));
          if (route) return route.handle(req, res, inner);
        }
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'No such media' }));
    },
  };
}
