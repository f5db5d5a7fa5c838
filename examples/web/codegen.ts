/**
 * The app's operations (the `graphql(…)` calls in src/) typed against cxgraph's schema files, with graphql-codegen's
 * client preset. `persistedDocuments` gives every operation a SHA-256 id (embedded in the document as `__meta__.hash`,
 * and listed in src/gql/persisted-documents.json); scripts/persisted-query-manifest.ts turns that list into the
 * Apollo persisted query manifest cxgraph (CXGRAPH_PERSISTED_DOCUMENTS) and Apollo Router read.
 * Run `npm run codegen` here (or `npm run codegen -w examples/web` at the root); CI fails when the output drifts.
 */
import { createHash } from 'node:crypto';
import { addTypenameSelectionDocumentTransform, type ClientPresetConfig } from '@graphql-codegen/client-preset';
import type { CodegenConfig } from '@graphql-codegen/cli';

const presetConfig: ClientPresetConfig = {
  // Components read what their own query selected; no masking to unwrap in a small app.
  fragmentMasking: false,
  // The hex SHA-256 of the document (the preset's own 'sha256' writes `sha256:<hex>`): the id Apollo Client's
  // persisted-query link sends in extensions.persistedQuery.sha256Hash, as Apollo's tools name operations.
  persistedDocuments: { hashAlgorithm: (body: string) => createHash('sha256').update(body).digest('hex') },
};

const config: CodegenConfig = {
  overwrite: true,
  // The schema as written (no CXGRAPH_SCHEMA_PREFIX); Federation's @link is declared for codegen only.
  schema: ['../../schema/*.graphql', '../../scripts/codegen-link.graphql'],
  documents: ['src/**/*.tsx', '!src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig,
      // Apollo Client's cache adds __typename to every selection before a request is sent; the listed documents
      // carry it too, so what cxgraph executes from the manifest is what the cache expects.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      config: {
        // graphql-scalars' DateTime travels as an ISO 8601 string.
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
      },
    },
  },
};

export default config;
