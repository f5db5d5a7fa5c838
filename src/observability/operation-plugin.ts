/**
 * Apollo Server plugin observing each GraphQL operation once Apollo knows what it is: its duration by
 * operation name (the name resolved from the document, so clients that omit `operationName` are still told
 * apart), and on the `graphql.operation` span its type, name and, when errors are returned, their codes.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Metrics } from './metrics.js';
import { tracingActive } from './tracing.js';

/** Distinct operation names kept as label values; later ones are counted as `other` (names come from clients). */
const MAX_OPERATION_NAMES = 200;

export function operationPlugin<C extends BaseContext>(metrics: Metrics): ApolloServerPlugin<C> {
  const seen = new Set<string>();
  const label = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    const n = name.slice(0, 64);
    if (seen.has(n)) return n;
    if (seen.size >= MAX_OPERATION_NAMES) return 'other';
    seen.add(n);
    return n;
  };
  return {
    async requestDidStart() {
      const started = performance.now();
      const span = tracingActive() ? trace.getActiveSpan() : undefined;
      return {
        async didResolveOperation({ operation, operationName }) {
          if (!span) return;
          if (operation) span.setAttribute('graphql.operation.type', operation.operation);
          if (operationName) span.setAttribute('graphql.operation.name', operationName);
        },
        async didEncounterErrors({ errors }) {
          if (!span) return;
          const codes = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
          span.setAttribute('graphql.error.codes', codes);
          // A partial answer is still a failed part of the operation: mark it, name the codes, never the messages.
          span.setStatus({ code: SpanStatusCode.ERROR, message: `${errors.length} GraphQL error(s): ${codes.join(', ')}` });
        },
        async willSendResponse({ operationName }) {
          metrics.operationDuration.observe({ operation: label(operationName) }, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
