/** The isolation contract, all of it, with the tenant named by the router's header (isolation-suite.ts). */
import { describeIsolation } from './isolation-suite.js';

describeIsolation('router-header', 'all');
