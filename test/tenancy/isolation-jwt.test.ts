/** The isolation contract's cases that depend on how the tenant is named, with the tenant a claim of the caller's JWT. */
import { describeIsolation } from './isolation-suite.js';

describeIsolation('jwt-claim', 'tenant-resolution');
