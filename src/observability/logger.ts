/**
 * pino logger. Secrets are removed by configuration (redact paths), not by care at each call site:
 * any field named like a credential is censored wherever it appears in a logged object. Every line written
 * while serving a request carries its `requestId` (and `traceId`) through the request context mixin.
 */
import { createRequire } from 'node:module';
import { pino, type Logger as PinoLogger, type DestinationStream, type LoggerOptions as PinoOptions } from 'pino';
import { censor, scrubString, scrubValue } from '../security/redact.js';
import { requestLogFields } from './request-context.js';

export type Logger = PinoLogger;

const SECRET_KEYS = [
  'clientSecret',
  'client_secret',
  'password',
  'apiKey',
  'api_key',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'authorization',
  'Authorization',
  'secret',
  'token',
  'code',
  'state',
  'cookie',
  'encryptionKeys',
  'redisUrl',
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
  const base: PinoOptions = {
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor },
    // The net under every call site (src/security/redact.ts): credential keys at any depth, and JWTs, bearer
    // credentials and OAuth code/state in any string, the message included.
    formatters: { log: (obj) => scrubValue(obj) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a: unknown) => (typeof a === 'string' ? scrubString(a) : a)) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
    base: { service: 'cxgraph' },
    mixin: requestLogFields,
  };
  if (opts.destination) return pino(base, opts.destination);
  // pino-pretty is a dev dependency: an install without it (npm ci --omit=dev) logs JSON instead of crashing.
  if (opts.pretty && prettyAvailable()) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: {
          colorize: true,
          translateTime: 'SYS:HH:MM:ss.l',
          // One line per event, the request id in front: the lines of one request are easy to follow by eye.
          // The start-up `config` object is left to JSON logs; its message says what is configured.
          singleLine: true,
          messageFormat: '{if requestId}[{requestId}] {end}{msg}',
          ignore: 'pid,hostname,service,requestId,config',
        },
      },
    });
  }
  return pino(base);
}

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** Removes OAuth `code`/`state`, token parameters and user:password from a URL before it is logged. */
export { redactUrl } from '../security/redact.js';
