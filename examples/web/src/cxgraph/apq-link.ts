/**
 * Automatic persisted queries for a frontend that does not list its documents (docs/frontends.md, "Automatic
 * persisted queries"): the snippet that page shows, here so that the app's type-check keeps it correct. This app itself sends
 * trusted-document ids instead (src/apollo.ts).
 */
import { HttpLink } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { sha256 } from './sha256.js';

export function apqLink(uri: string) {
  // GET lets a CDN cache hashed queries; CSRF prevention wants a header no plain browser GET carries.
  return new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(new HttpLink({ uri, headers: { 'apollo-require-preflight': 'true' } }));
}
