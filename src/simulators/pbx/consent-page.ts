/**
 * The PBX's consent page and its driver. The simulator shows the page at `/oauth/authorize`: what a PBX user sees
 * ("application X asks for access to your PBX account", a login field, Allow and Deny), or the error page for
 * requests that must not be redirected (unknown application, redirect URI not registered). Self-contained: no
 * script, no external resource.
 *
 * `consent()` goes through that page over plain HTTP as a person in a browser would; a browser test drives the same
 * page through {@link CONSENT_SELECTORS}. Both take the field names from here, so the page and its drivers cannot
 * drift apart.
 */

/** Where the PBX serves the consent page (GET) and takes the decision (POST). */
export const CONSENT_PATH = '/oauth/authorize';

/** Names of the form fields the person fills in. */
export const CONSENT_FIELDS = Object.freeze({ login: 'login', decision: 'decision' });

export type ConsentDecision = 'allow' | 'deny';

/** CSS selectors of the page's parts, for browser tests. */
export const CONSENT_SELECTORS = Object.freeze({
  heading: 'h1',
  /** The login field (pre-filled with the simulator's default login). */
  login: `#${CONSENT_FIELDS.login}`,
  allow: `button[name="${CONSENT_FIELDS.decision}"][value="allow"]`,
  deny: `button[name="${CONSENT_FIELDS.decision}"][value="deny"]`,
  /** The problem shown above the form, e.g. "Unknown PBX login". */
  error: '.error',
});

export interface ConsentPageInput {
  appName: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string | null;
  login: string;
  /** Shown above the form, e.g. "Unknown PBX login". */
  error?: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#eef1f5;margin:0;padding:3rem 1rem;color:#1f2933}
main{max-width:28rem;margin:0 auto;background:#fff;border-radius:10px;padding:2rem;box-shadow:0 2px 8px rgba(0,0,0,.08)}
h1{font-size:1.25rem;margin:0 0 .5rem}
.brand{color:#d0021b;font-weight:700;letter-spacing:.02em}
ul{padding-left:1.2rem;line-height:1.5}
label{display:block;margin:1rem 0 .3rem;font-weight:600}
input[type=text]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #c3cad4;border-radius:6px;font-size:1rem}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button{flex:1;padding:.7rem;font-size:1rem;border-radius:6px;border:1px solid #c3cad4;background:#fff;cursor:pointer}
button.allow{background:#0b6bcb;border-color:#0b6bcb;color:#fff}
.error{background:#fdecea;color:#8a1c12;padding:.6rem .8rem;border-radius:6px}
small{color:#6b7785}`;

export function renderConsentPage(p: ConsentPageInput): string {
  const hidden = (name: string, value: string | null) => (value === null ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`);
  const { login, decision } = CONSENT_FIELDS;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Allow access to your PBX account</title><style>${STYLE}</style></head>
<body><main>
<p class="brand">Virtual PBX</p>
<h1>${escapeHtml(p.appName)} asks for access to your PBX account</h1>
${p.error ? `<p class="error" role="alert">${escapeHtml(p.error)}</p>` : ''}
<p>Requested scope: <strong>${escapeHtml(p.scope)}</strong>. If you allow it, the application can, on your behalf:</p>
<ul><li>read your PBX user profile</li><li>list your extensions</li><li>read your call history and call records</li><li>create a trusted application to keep this access</li></ul>
<form method="post" action="${CONSENT_PATH}">
${hidden('response_type', 'code')}${hidden('client_id', p.clientId)}${hidden('redirect_uri', p.redirectUri)}${hidden('scope', p.scope)}${hidden('state', p.state)}
<label for="${login}">PBX login</label>
<input type="text" id="${login}" name="${login}" value="${escapeHtml(p.login)}" autocomplete="username" required>
<div class="actions">
<button type="submit" class="allow" name="${decision}" value="allow">Allow</button>
<button type="submit" class="deny" name="${decision}" value="deny">Deny</button>
</div>
</form>
<p><small>You will be sent back to ${escapeHtml(originOf(p.redirectUri))}.</small></p>
</main></body></html>
`;
}

export function renderErrorPage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main><p class="brand">Virtual PBX</p><h1>${escapeHtml(title)}</h1><p class="error">${escapeHtml(message)}</p></main></body></html>
`;
}

function originOf(uri: string): string {
  try {
    return new URL(uri).origin;
  } catch {
    return uri;
  }
}

// --- the driver ----------------------------------------------------------------------------------------------

export interface ConsentOptions {
  /** The PBX login typed in; default: the one the page offers. */
  login?: string;
  /** Default `allow`. */
  decision?: ConsentDecision;
}

/** The PBX answered with a page instead of sending the browser back: the person would stay on the PBX. */
export class ConsentPageError extends Error {
  constructor(
    readonly status: number,
    /** The problem the page shows, e.g. "Unknown PBX login". */
    readonly problem: string,
  ) {
    super(`The PBX consent page answered ${status}: ${problem}`);
    this.name = 'ConsentPageError';
  }
}

/**
 * Follows an authorization URL (`…/oauth/authorize?…`) as a person in a browser would: opens the consent page, types
 * `login`, clicks Allow or Deny, and returns where the browser lands — the app's redirect URI with `code` and `state`
 * (Allow), or with `error` (Deny, or a request the PBX refuses by redirect). The landing URL is not visited.
 * Throws {@link ConsentPageError} when the PBX keeps the browser on one of its pages (unknown application,
 * unregistered redirect URI, unknown login).
 */
export async function consent(authorizationUrl: string | URL, opts: ConsentOptions = {}): Promise<URL> {
  const page = await fetch(authorizationUrl, { redirect: 'manual' });
  const html = await page.text();
  const landing = redirectTarget(page, authorizationUrl);
  if (landing) return landing;
  if (page.status !== 200) throw new ConsentPageError(page.status, problemOf(html));

  const form = readForm(html);
  if (!form) throw new ConsentPageError(page.status, 'the page has no consent form');
  form.fields.set(CONSENT_FIELDS.login, opts.login ?? form.fields.get(CONSENT_FIELDS.login) ?? '');
  form.fields.set(CONSENT_FIELDS.decision, opts.decision ?? 'allow');
  const action = new URL(form.action, authorizationUrl);
  const decided = await fetch(action, { method: 'POST', body: form.fields, redirect: 'manual' });
  const answer = await decided.text();
  const back = redirectTarget(decided, action);
  if (back) return back;
  throw new ConsentPageError(decided.status, problemOf(answer));
}

function redirectTarget(res: Response, base: string | URL): URL | null {
  const location = res.headers.get('location');
  return res.status >= 300 && res.status < 400 && location ? new URL(location, base) : null;
}

/** The form's action and the fields a browser would submit (hidden ones and the login), as rendered above. */
function readForm(html: string): { action: string; fields: URLSearchParams } | null {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (action === undefined) return null;
  const fields = new URLSearchParams();
  for (const m of html.matchAll(/<input type="(?:hidden|text)"(?: id="[^"]*")? name="([^"]+)" value="([^"]*)"/g)) fields.set(m[1]!, unescapeHtml(m[2]!));
  return { action: unescapeHtml(action), fields };
}

function problemOf(html: string): string {
  const text = /<p class="error"[^>]*>([^<]*)<\/p>/.exec(html)?.[1] ?? /<h1>([^<]*)<\/h1>/.exec(html)?.[1] ?? 'no redirect';
  return unescapeHtml(text);
}

function unescapeHtml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}
