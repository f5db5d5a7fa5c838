/**
 * The accounts file, kept current without a restart: read at start (a bad file stops start-up, as a bad variable
 * does), then read again when it changes (fs.watch on its folder, so a Kubernetes Secret's symlink swap counts, and
 * debounced) and on SIGHUP. A bad file keeps the last good one and says why in the log, never showing a secret.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../observability/logger.js';
import { allAccounts, readAccountsFile, type AccountsSnapshot, type ReadOptions } from './accounts-file.js';

export interface AccountsSourceOptions extends ReadOptions {
  path: string;
  logger: Logger;
  /** Milliseconds a burst of file events is gathered before one reading (default 250). */
  debounceMs?: number;
}

export type ReloadOutcome = { ok: true; changed: boolean } | { ok: false; problems: string[] };

export class AccountsSource {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: ((s: AccountsSnapshot) => void)[] = [];
  private readonly onSighup = () => void this.reload('SIGHUP');

  constructor(
    private current: AccountsSnapshot,
    private readonly opts: AccountsSourceOptions,
  ) {}

  get snapshot(): AccountsSnapshot {
    return this.current;
  }

  /** Called with each new good snapshot. */
  onChange(listener: (s: AccountsSnapshot) => void): void {
    this.listeners.push(listener);
  }

  /** Watches the file and SIGHUP. */
  start(): void {
    const name = basename(this.opts.path);
    try {
      this.watcher = watch(dirname(this.opts.path), { persistent: false }, (_event, file) => {
        // Kubernetes swaps a `..data` symlink beside the file: any change in the folder may be ours.
        if (file && file !== name && !String(file).startsWith('..')) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.reload('file changed'), this.opts.debounceMs ?? 250);
        this.timer.unref();
      });
      this.watcher.on('error', (e) =>
        this.opts.logger.warn({ err: e.message, accountsFile: this.opts.path }, 'accounts file: watching stopped; SIGHUP still reloads it'),
      );
    } catch (e) {
      this.opts.logger.warn({ err: (e as Error).message, accountsFile: this.opts.path }, 'accounts file: cannot watch it; SIGHUP reloads it');
    }
    process.on('SIGHUP', this.onSighup);
  }

  /** Reads the file again; keeps the last good snapshot when it is bad. */
  reload(why = 'asked'): ReloadOutcome {
    const r = readAccountsFile(this.opts.path, this.opts);
    if (!r.ok) {
      const problems = r.problems.map((p) => `${p.variable}: ${p.problem}`);
      this.opts.logger.error(
        { accountsFile: this.opts.path, reason: why, problems },
        `accounts file not reloaded (${problems.length} problem${problems.length === 1 ? '' : 's'}): keeping the last good one`,
      );
      return { ok: false, problems };
    }
    const before = fingerprints(this.current);
    const after = fingerprints(r.snapshot);
    const changed = before !== after;
    this.current = r.snapshot;
    if (changed) for (const l of this.listeners) l(r.snapshot);
    this.opts.logger.info(
      { accountsFile: this.opts.path, reason: why, accounts: allAccounts(r.snapshot).length, changed },
      changed ? 'accounts file reloaded' : 'accounts file read again: nothing changed',
    );
    return { ok: true, changed };
  }

  stop(): void {
    this.watcher?.close();
    clearTimeout(this.timer);
    process.off('SIGHUP', this.onSighup);
  }
}

function fingerprints(s: AccountsSnapshot): string {
  return allAccounts(s)
    .map((a) => `${a.ref.tenant}/${a.ref.provider}/${a.ref.account}=${a.fingerprint}${a.isDefault ? '*' : ''}`)
    .join('\n');
}
