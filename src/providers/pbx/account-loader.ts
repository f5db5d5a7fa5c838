/**
 * Connected PBX accounts by id, per request: `pbxAccount(id)` and a router's `_entities` references to
 * PbxAccount go through it, so N representations make one batch that reads each distinct account once from
 * the connection store (never the PBX itself: an account is what its user consented with).
 */
import DataLoader from 'dataloader';
import type { Metrics } from '../../observability/metrics.js';
import { inBatchSpan } from '../../observability/tracing.js';
import type { PbxAccounts } from './accounts.js';
import type { PbxAccountModel } from '../../domain/models.js';
import { mapBounded } from '../map-bounded.js';

export type PbxAccountLoader = DataLoader<string, PbxAccountModel | null>;

/** Store reads in flight per batch: Redis answers these fast, but a batch of thousands should not open thousands at once. */
const READ_CONCURRENCY = 16;

export function createPbxAccountLoader(pbx: PbxAccounts, metrics?: Metrics): PbxAccountLoader {
  return new DataLoader<string, PbxAccountModel | null>(async (ids) => {
    metrics?.loaderBatchSize.observe({ loader: 'pbxAccount' }, ids.length);
    return inBatchSpan('pbxAccount', ids.length, () => mapBounded(ids, READ_CONCURRENCY, (id) => pbx.getAccount(id)));
  });
}
