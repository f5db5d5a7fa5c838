/**
 * The one list of platforms cxgraph speaks to. The configuration report, `providers`, `/readyz`, the capability
 * dispatch and the HTTP routes are derived from it: adding a platform is one folder and one line here
 * (CONTRIBUTING.md). The order is the order `providers` lists them in.
 */
import type { ProviderModule } from './provider-module.js';
import { callJourney } from './calljourney/index.js';
import { cloudCx } from './cloudcx/index.js';
import { newVoiceMedia } from './nvm/index.js';
import { pbx } from './pbx/index.js';
import { sangoma } from './sangoma/index.js';

export const PROVIDERS: readonly ProviderModule[] = [callJourney, sangoma, cloudCx, newVoiceMedia, pbx];
