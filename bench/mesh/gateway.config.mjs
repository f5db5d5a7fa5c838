/**
 * Hive Gateway serving the Mesh-composed supergraph (supergraph.graphql, written by `mesh-compose` at bench time
 * because the simulator's port is only known then). Defaults otherwise, as a Mesh user would run it.
 * Plain JavaScript so the root TypeScript project never needs this package's modules.
 */
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  supergraph: './supergraph.graphql',
  logging: 'warn',
});
