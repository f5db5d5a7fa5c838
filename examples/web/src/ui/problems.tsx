/**
 * Errors in words a person understands. cxgraph reports every failure on the field that failed (`path`), with
 * `extensions.code` from a closed set and `extensions.provider`; with `errorPolicy: 'all'` Apollo Client hands the
 * data it got *and* those errors to the component, so each panel shows the errors under its own field while the
 * others render. Errors without a path (the request itself was refused) belong to every panel of the query.
 */
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import type { GraphQLFormattedError } from 'graphql';
import type { ReactNode } from 'react';
import type { ErrorCode } from '../gql/schema-enums.js';
import { providerTitle } from './format.js';

export type Path = readonly (string | number)[];

/**
 * Codes of a request refused before it ran, outside cxgraph's closed set: Apollo Server's and Apollo Router's
 * (trusted documents, parsing, validation), and INTERNAL_SERVER_ERROR, a bug in cxgraph or the router.
 */
type RefusalCode =
  | 'PERSISTED_QUERY_NOT_IN_LIST'
  | 'PERSISTED_QUERY_ID_REQUIRED'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'QUERY_NOT_IN_SAFELIST'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'INTERNAL_SERVER_ERROR';
/** The app's own: no answer at all (NETWORK), or a code this version of the app does not know (UNRECOGNISED). */
type AppCode = 'NETWORK' | 'UNRECOGNISED';
/**
 * Every code a panel can show. `ErrorCode` is cxgraph's closed set as its schema declares it (`enum ErrorCode`,
 * emitted by codegen into src/gql/schema-enums.ts): when cxgraph adds a code, `npm run codegen` brings it here and
 * `advice` stops compiling until it says what the code means.
 */
export type ProblemCode = ErrorCode | RefusalCode | AppCode;

/** The codes a server may send, as values to check `extensions.code` against; the compiler holds it to the types. */
const SERVER_CODES: Record<Exclude<ProblemCode, AppCode>, true> = {
  BAD_USER_INPUT: true,
  UNAUTHENTICATED: true,
  FORBIDDEN: true,
  PROVIDER_NOT_CONFIGURED: true,
  PROVIDER_AUTH_FAILED: true,
  PROVIDER_NEEDS_REAUTHORIZATION: true,
  PROVIDER_RATE_LIMITED: true,
  PROVIDER_UNAVAILABLE: true,
  PROVIDER_ERROR: true,
  PERSISTED_QUERY_NOT_IN_LIST: true,
  PERSISTED_QUERY_ID_REQUIRED: true,
  PERSISTED_QUERY_NOT_FOUND: true,
  QUERY_NOT_IN_SAFELIST: true,
  GRAPHQL_PARSE_FAILED: true,
  GRAPHQL_VALIDATION_FAILED: true,
  INTERNAL_SERVER_ERROR: true,
};

function isServerCode(code: unknown): code is Exclude<ProblemCode, AppCode> {
  return typeof code === 'string' && Object.hasOwn(SERVER_CODES, code);
}

export interface Problem {
  code: ProblemCode;
  /** `extensions.code` as it came (shown to whoever reads the logs), e.g. a code newer than this app. */
  rawCode: string;
  message: string;
  provider?: string;
  retryAfter?: number;
  /** Sangoma: the request was sent but its outcome is unknown. */
  callMayHaveBeenPlaced?: boolean;
  requestId?: string;
}

/** Every GraphQL error of a result, whether Apollo Client parsed them (CombinedGraphQLErrors) or the HTTP status was not 2xx. */
function graphqlErrors(error: unknown): GraphQLFormattedError[] | undefined {
  if (CombinedGraphQLErrors.is(error)) return [...error.errors];
  if (ServerError.is(error)) {
    try {
      const body = JSON.parse(error.bodyText) as { errors?: GraphQLFormattedError[] };
      if (Array.isArray(body.errors)) return body.errors;
    } catch {
      // not GraphQL-shaped: handled below as a failed request
    }
  }
  return undefined;
}

function toProblem(e: GraphQLFormattedError): Problem {
  const x = (e.extensions ?? {}) as Record<string, unknown>;
  return {
    code: isServerCode(x.code) ? x.code : 'UNRECOGNISED',
    rawCode: typeof x.code === 'string' ? x.code : '(none)',
    message: e.message,
    provider: typeof x.provider === 'string' ? x.provider : undefined,
    retryAfter: typeof x.retryAfter === 'number' ? x.retryAfter : undefined,
    callMayHaveBeenPlaced: x.callMayHaveBeenPlaced === true,
  };
}

/**
 * The problems that concern the field at `path` (an alias as the query names it, e.g. `['newVoiceMedia']`, or
 * `['pbx', 'nodes', 3, 'recording']`): errors whose path starts with it, and errors of the whole request.
 */
export function problemsAt(error: unknown, path: Path): Problem[] {
  if (!error) return [];
  const errors = graphqlErrors(error);
  if (!errors) {
    const status = ServerError.is(error) ? ` (HTTP ${error.statusCode})` : '';
    return [{ code: 'NETWORK', rawCode: 'NETWORK', message: `${error instanceof Error ? error.message : String(error)}${status}` }];
  }
  return errors.filter((e) => !e.path || path.every((p, i) => e.path![i] === p)).map(toProblem);
}

interface Advice {
  what: string;
  todo: string;
}

/** What the code means for the person looking at the screen, and what they can do about it. */
export function advice(p: Problem): Advice {
  const who = p.provider ? providerTitle(p.provider) : 'The platform';
  switch (p.code) {
    case 'PROVIDER_UNAVAILABLE':
      return {
        what: `${who} is not answering right now.`,
        todo: 'Nothing was changed. Try again in a minute; cxgraph reconnects by itself once the platform answers.',
      };
    case 'PROVIDER_RATE_LIMITED':
      return { what: `${who} asks cxgraph to slow down.`, todo: p.retryAfter ? `Try again in ${p.retryAfter} seconds.` : 'Try again in a little while.' };
    case 'PROVIDER_AUTH_FAILED':
      return {
        what: `${who} refused cxgraph's credentials.`,
        todo: 'An administrator should check the client id, secret and permissions configured for this platform.',
      };
    case 'PROVIDER_NEEDS_REAUTHORIZATION':
      return {
        what: `${who} needs someone to authorise cxgraph again.`,
        todo: p.provider === 'PBX' ? 'Use “Connect a PBX account” and allow access again.' : 'An administrator should renew the authorisation.',
      };
    case 'PROVIDER_NOT_CONFIGURED':
      return { what: `${who} is not set up in cxgraph.`, todo: 'An administrator should set the variables the message names and restart cxgraph.' };
    case 'PROVIDER_ERROR':
      return { what: `${who} refused the request.`, todo: 'Check what you entered against the message below.' };
    case 'BAD_USER_INPUT':
      return { what: 'Something in the request is not valid.', todo: 'Correct it as the message says and try again.' };
    case 'FORBIDDEN':
      return { what: 'You are not allowed to do this.', todo: 'Ask your administrator for the permission (scope) it needs.' };
    case 'UNAUTHENTICATED':
      return { what: 'cxgraph did not accept who you are.', todo: 'Sign in again, or ask an administrator how this app should authenticate.' };
    case 'PERSISTED_QUERY_NOT_IN_LIST':
    case 'PERSISTED_QUERY_ID_REQUIRED':
      return {
        what: 'cxgraph does not run this operation: it is not in its list of trusted documents.',
        todo: 'Deploy the manifest built with this version of the app (CXGRAPH_PERSISTED_DOCUMENTS), or reload after an update.',
      };
    case 'PERSISTED_QUERY_NOT_FOUND':
      return {
        what: "cxgraph has not been given this app's list of trusted documents.",
        todo: "Start cxgraph with CXGRAPH_PERSISTED_DOCUMENTS pointing at the app's persisted-query-manifest.json (npm run example does).",
      };
    case 'QUERY_NOT_IN_SAFELIST':
      return {
        what: 'cxgraph runs only the trusted documents of its list, and this request was not one of them.',
        todo: "Use this app's operations; deploy the manifest built with it.",
      };
    case 'GRAPHQL_PARSE_FAILED':
    case 'GRAPHQL_VALIDATION_FAILED':
      return {
        what: 'The server does not understand this request.',
        todo: 'This version of the app does not match the schema it talks to (or a schema prefix): rebuild it against that schema.',
      };
    case 'NETWORK':
      return { what: 'cxgraph could not be reached.', todo: 'Check that cxgraph is running and that this page can reach it, then reload.' };
    case 'INTERNAL_SERVER_ERROR':
    case 'UNRECOGNISED':
      return { what: 'Something went wrong inside cxgraph.', todo: 'Try again; if it happens again, report it with the time it happened.' };
    default: {
      // Every code is handled above: a code added to the union (a new ErrorCode from codegen) fails to compile here.
      const unhandled: never = p.code;
      return unhandled;
    }
  }
}

/** One problem: what happened, what to do, and the code and message for whoever reads the logs. */
export function ProblemText({ problem }: { problem: Problem }): ReactNode {
  const a = advice(problem);
  return (
    <>
      <p>
        <strong>{a.what}</strong> {a.todo}
      </p>
      {problem.callMayHaveBeenPlaced ? (
        <p>
          <strong>The call may have been placed anyway:</strong> check with the agent before you try again, or the customer could be called twice.
        </p>
      ) : null}
      <p className="detail">
        <code>{problem.rawCode}</code>: {problem.message}
      </p>
    </>
  );
}

/** The problems of one panel, or nothing. `title` says what could not be shown. */
export function Problems({ error, path, title }: { error: unknown; path: Path; title: string }): ReactNode {
  const problems = problemsAt(error, path);
  if (problems.length === 0) return null;
  return (
    <div className="problem" data-testid="problem">
      <p className="problem-title">
        <span aria-hidden="true">⚠ </span>
        {title}
      </p>
      {problems.map((p, i) => (
        <ProblemText key={i} problem={p} />
      ))}
    </div>
  );
}
