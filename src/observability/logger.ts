/**
 * pino logger. Secrets are removed by configuration (redact paths), not by care at each call site:
 * any field named like a credential is censored wherever it appears in a logged object.
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = PinoLogger;

const SECRET_KEYS = [
  'clientSecret', 'client_secret', 'password', 'apiKey', 'api_key', 'accessToken', 'access_token',
  'refreshToken', 'refresh_token', 'authorization', 'Authorization', 'secret', 'token', 'code', 'state',
  'cookie', 'encryptionKeys', 'redisUrl',
];

export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers["x-router-secret"]',
  'headers.authorization',
];

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const base = {
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'cxgraph' },
  };
  if (opts.destination) return pino(base, opts.destination);
  if (opts.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } });
  }
  return pino(base);
}

/** Removes OAuth `code`/`state` and any token-bearing parameters from a URL before it is logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    for (const k of [...u.searchParams.keys()]) {
      if (/^(code|state|access_token|refresh_token|client_secret|token|password|api_key)$/i.test(k)) u.searchParams.set(k, '[redacted]');
    }
    return u.toString();
  } catch {
    return url.replace(/([?&](?:code|state|access_token|refresh_token|client_secret|token|password)=)[^&]*/gi, '$1[redacted]');
  }
}
