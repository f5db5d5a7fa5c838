/**
 * Token locks whose release waits for the store (issue 11 item 12). When the store stops answering while a replica
 * holds a token lock — a Redis stall during the token write — the write and the release are both dropped, and the
 * lock would stay for its whole lease with every other replica waiting on it. Instead the release waits until the
 * store answers again, and the token fetched meanwhile is written back first so other replicas read it at once.
 * Should the store fail again right then, the lock still expires with its lease: nothing waits on it for longer.
 */
import type { Logger } from '../observability/logger.js';
import type { KvStore } from '../store/kv-store.js';
import type { Grant } from './grant.js';

type Release = () => Promise<void>;

export class LockReleases {
  private readonly waiting = new Map<string, { grant: Grant; releases: Release[] }>();

  constructor(
    private readonly store: KvStore,
    private readonly logger: Logger,
    /** Writes this replica's token for `key` to the store, unless it holds a newer one. */
    private readonly writeBack: (key: string, grant: Grant) => Promise<void>,
  ) {
    store.onHealthChange?.((healthy) => {
      if (healthy) void this.flush();
    });
  }

  /** Releases the lock of `key` now, or once the store answers again when it does not now. */
  async release(key: string, grant: Grant, release: Release): Promise<void> {
    if (this.store.healthy || !this.store.onHealthChange) return release();
    const w = this.waiting.get(key);
    if (w) w.releases.push(release);
    else this.waiting.set(key, { grant, releases: [release] });
  }

  private async flush(): Promise<void> {
    for (const [key, { grant, releases }] of [...this.waiting]) {
      if (!this.store.healthy) return; // down again: the next recovery goes on from here
      this.waiting.delete(key);
      try {
        await this.writeBack(key, grant);
      } catch (e) {
        this.logger.warn(
          { provider: grant.identity.provider, err: e instanceof Error ? e.message : String(e) },
          'token could not be written back to the store',
        );
      } finally {
        for (const r of releases) await r();
      }
    }
  }
}
