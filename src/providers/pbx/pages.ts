/**
 * The small HTML pages the PBX callback answers with (when no PBX_RETURN_URL is configured, or when a request
 * cannot be trusted to be redirected). Plain, self-contained, and safe to show: every value is escaped, the page
 * loads nothing, is never cached, and sends no Referer (the callback URL carried a code).
 */
import type { ServerResponse } from 'node:http';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export const PAGE_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

export function renderPage(title: string, paragraphs: string[], ok: boolean): string {
  const colour = ok ? '#1b7f3b' : '#b3261e';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · cxgraph</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f5f5f7;margin:0;padding:3rem 1rem;color:#1d1d1f}
main{max-width:34rem;margin:0 auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:1.35rem;margin:0 0 1rem;color:${colour}}
p{line-height:1.5}
small{color:#6e6e73}
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<p><small>cxgraph · Telphin PBX connection</small></p>
</main>
</body>
</html>
`;
}

export function sendPage(res: ServerResponse, status: number, title: string, paragraphs: string[]): void {
  const html = renderPage(title, paragraphs, status < 300);
  res.writeHead(status, { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

export function sendRedirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-length': 0 });
  res.end();
}
