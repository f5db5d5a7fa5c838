/**
 * Where media links point and how they are signed (src/security/media-links.ts enforces them):
 * CXGRAPH_PUBLIC_URL, CXGRAPH_MEDIA_URL_TTL_SECONDS, CXGRAPH_MEDIA_SIGNING_KEY (or CXGRAPH_ENCRYPTION_KEYS).
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import type { EnvReader, NodeEnv } from './env-reader.js';

export interface MediaLinksConfig {
  /** CXGRAPH_PUBLIC_URL; unset = the address cxgraph listens on (never a request's Host header). */
  publicUrl?: string;
  ttlSeconds: number;
  /** HMAC keys, newest first (the first signs, any verifies). */
  keys: Buffer[];
  /** Where the keys came from; `random` = one key made at start-up for this process only (not in production). */
  keySource: 'CXGRAPH_MEDIA_SIGNING_KEY' | 'CXGRAPH_ENCRYPTION_KEYS' | 'random';
}

/** HKDF-SHA256 of an encryption key, with its own `info`: a key used for nothing but media links. */
export function mediaKeyFromEncryptionKey(key: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'cxgraph media links v1', 32));
}

/**
 * `mediaProviders`: the configured providers offering the `media` capability (their calls carry media cxgraph streams).
 * With any of them, production needs a public URL and a configured key: links must point where browsers reach
 * cxgraph, and verify on every replica.
 */
export function mediaLinksOf(
  r: EnvReader,
  opts: { nodeEnv: NodeEnv; publicUrl?: string; encryptionKeys: readonly Buffer[]; mediaProviders: readonly string[] },
): MediaLinksConfig {
  const ttlSeconds = r.int('CXGRAPH_MEDIA_URL_TTL_SECONDS', 300, 1, 86_400);
  const production = opts.nodeEnv === 'production' && opts.mediaProviders.length > 0;
  const which = `${opts.mediaProviders.join(' and ')} ${opts.mediaProviders.length > 1 ? 'are' : 'is'}`;
  if (production && !opts.publicUrl) {
    r.fail(
      'CXGRAPH_PUBLIC_URL',
      `required in production when ${which} configured: the base URL at which browsers reach cxgraph's /media/ routes, e.g. https://cx.example.com`,
    );
  }

  const raw = r.str('CXGRAPH_MEDIA_SIGNING_KEY');
  if (raw) {
    const keys: Buffer[] = [];
    raw.split(',').forEach((k, i) => {
      const key = Buffer.from(k.trim(), 'base64');
      // The value is never shown: it is a secret.
      if (key.length < 32)
        r.fail('CXGRAPH_MEDIA_SIGNING_KEY', `key #${i + 1} must be at least 32 bytes in base64 (e.g. \`openssl rand -base64 32\`), got ${key.length} bytes`);
      else keys.push(key);
    });
    return { publicUrl: opts.publicUrl, ttlSeconds, keys, keySource: 'CXGRAPH_MEDIA_SIGNING_KEY' };
  }
  if (opts.encryptionKeys.length > 0) {
    return { publicUrl: opts.publicUrl, ttlSeconds, keys: opts.encryptionKeys.map(mediaKeyFromEncryptionKey), keySource: 'CXGRAPH_ENCRYPTION_KEYS' };
  }
  if (production) {
    r.fail(
      'CXGRAPH_MEDIA_SIGNING_KEY',
      `required in production when ${which} configured, so that every replica accepts the media links of every other: set it (\`openssl rand -base64 32\`) or CXGRAPH_ENCRYPTION_KEYS`,
    );
  }
  return { publicUrl: opts.publicUrl, ttlSeconds, keys: [randomBytes(32)], keySource: 'random' };
}
