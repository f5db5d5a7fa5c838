/**
 * The HTML the PBX simulator shows at `/oauth/authorize`: the consent page a PBX user sees ("application X asks for
 * access to your PBX account", a login field, Allow and Deny), and the error page for requests that must not be
 * redirected (unknown application, redirect URI not registered). Self-contained: no script, no external resource.
 */

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
<form method="post" action="/oauth/authorize">
${hidden('response_type', 'code')}${hidden('client_id', p.clientId)}${hidden('redirect_uri', p.redirectUri)}${hidden('scope', p.scope)}${hidden('state', p.state)}
<label for="login">PBX login</label>
<input type="text" id="login" name="login" value="${escapeHtml(p.login)}" autocomplete="username" required>
<div class="actions">
<button type="submit" class="allow" name="decision" value="allow">Allow</button>
<button type="submit" class="deny" name="decision" value="deny">Deny</button>
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
