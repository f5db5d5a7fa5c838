/**
 * What `providers` reports: the outcome of the last token request or API call per provider, so the
 * answer is the truth of the last attempt rather than a guess from configuration. Outcomes are recorded by
 * the upstream client (src/upstream/upstream-client.ts) that made the request, never by provider code.
 */
import type { CxError } from '../errors/errors.js';
import type { ProviderState } from '../domain/connection-state.js';
import type { ProviderName } from '../domain/provider-name.js';

export class ConnectionStatus {
  private readonly states = new Map<ProviderName, ProviderState>();
  private readonly refiners = new Map<ProviderName, (base: ProviderState) => Promise<ProviderState>>();

  constructor(configured: Iterable<ProviderName>) {
    for (const p of configured) this.states.set(p, { status: 'CONNECTED' });
  }

  get(provider: ProviderName): ProviderState {
    return this.states.get(provider) ?? { status: 'NOT_CONFIGURED' };
  }

  isConfigured(provider: ProviderName): boolean {
    return this.states.has(provider);
  }

  /**
   * Lets a provider whose connection is more than its last call (PBX: one trusted application per connected
   * account) decide what `providers` reports, from the last-call state and its own records.
   */
  refine(provider: ProviderName, refiner: (base: ProviderState) => Promise<ProviderState>): void {
    this.refiners.set(provider, refiner);
  }

  /** What `providers` reports: get(), refined by the provider when it registered a refiner and is configured. */
  async report(provider: ProviderName): Promise<ProviderState> {
    const base = this.get(provider);
    const refiner = this.refiners.get(provider);
    return refiner && this.states.has(provider) ? refiner({ ...base }) : base;
  }

  configure(provider: ProviderName): void {
    if (!this.states.has(provider)) this.states.set(provider, { status: 'CONNECTED' });
  }

  succeeded(provider: ProviderName, tokenExpiresAt?: number): void {
    const s = this.states.get(provider);
    if (!s) return;
    s.status = 'CONNECTED';
    s.lastError = undefined;
    if (tokenExpiresAt !== undefined) s.tokenExpiresAt = tokenExpiresAt;
  }

  /**
   * When the token in use expires (shown by `providers`). Not an outcome: the token request's success or failure is
   * recorded by the upstream client that made it, like every request's.
   */
  tokenIssued(provider: ProviderName, expiresAt: number): void {
    const s = this.states.get(provider);
    if (s) s.tokenExpiresAt = expiresAt;
  }

  failed(provider: ProviderName, error: CxError): void {
    const s = this.states.get(provider);
    if (!s) return;
    s.lastError = error.message;
    switch (error.extensions.code) {
      case 'PROVIDER_NEEDS_REAUTHORIZATION':
      case 'PROVIDER_AUTH_FAILED':
        s.status = 'NEEDS_REAUTHORIZATION';
        break;
      case 'PROVIDER_UNAVAILABLE':
      case 'PROVIDER_RATE_LIMITED':
        s.status = 'UNAVAILABLE';
        break;
      default:
        // A rejected request (bad input, platform error) says nothing about the connection itself.
        break;
    }
  }
}
