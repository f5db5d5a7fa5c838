/**
 * The hex SHA-256 of a text, by the browser's Web Crypto (no library): the id of a persisted document, as Apollo's
 * persisted-query link sends it. `crypto.subtle` exists in secure contexts only — https, and http://localhost or
 * 127.0.0.1 in development — which is where a production frontend runs anyway.
 */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
