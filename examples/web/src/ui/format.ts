/** Names, times and statuses as a person reads them; every status is words (and a symbol), never colour alone. */

const PROVIDER_TITLES: Record<string, string> = {
  CALLJOURNEY: 'CallJourney',
  SANGOMA: 'Sangoma CX',
  CLOUDCX: 'CloudCX',
  NEWVOICEMEDIA: 'NewVoiceMedia',
  PBX: 'Telphin PBX',
};

const PROVIDER_ROLES: Record<string, string> = {
  CALLJOURNEY: 'call recordings',
  SANGOMA: 'places outbound calls',
  CLOUDCX: 'users',
  NEWVOICEMEDIA: 'users, agents, availability, calls',
  PBX: 'PBX accounts, extensions, calls',
};

export function providerTitle(p: string): string {
  return PROVIDER_TITLES[p] ?? p;
}

export function providerRole(p: string): string {
  return PROVIDER_ROLES[p] ?? '';
}

const STATUS: Record<string, { symbol: string; words: string }> = {
  CONNECTED: { symbol: '✓', words: 'Connected' },
  NOT_CONFIGURED: { symbol: '–', words: 'Not configured' },
  NEEDS_REAUTHORIZATION: { symbol: '!', words: 'Needs authorising again' },
  UNAVAILABLE: { symbol: '✗', words: 'Unavailable' },
  NOT_CONNECTED: { symbol: '○', words: 'No account connected' },
};

export function statusText(s: string): { symbol: string; words: string } {
  return STATUS[s] ?? { symbol: '?', words: s };
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** `1 May 2024, 08:00 UTC`: the simulators' calls are in UTC, and so is what cxgraph answers. */
export function when(iso: string | null | undefined): string {
  if (!iso) return 'unknown';
  return `${dateTime.format(new Date(iso))} UTC`;
}

/** `in 59 min`, `in 281 days`, `expired 3 min ago`. */
export function fromNow(iso: string, now = Date.now()): string {
  const s = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(s);
  const amount =
    abs < 90 ? `${abs} s` : abs < 5400 ? `${Math.round(abs / 60)} min` : abs < 172_800 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86_400)} days`;
  return s >= 0 ? `in ${amount}` : `expired ${amount} ago`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return 'not reported';
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

const DIRECTION: Record<string, string> = { INBOUND: '↘ Inbound', OUTBOUND: '↗ Outbound', INTERNAL: '↔ Internal' };

export function direction(d: string | null | undefined): string {
  return d ? (DIRECTION[d] ?? d) : 'unknown';
}
