/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Agents($provider: Provider!) {\n    agents(provider: $provider) {\n      provider\n      id\n      name\n      user {\n        provider\n        id\n        email\n        active\n      }\n    }\n  }\n": typeof types.AgentsDocument,
    "\n  query AgentAvailability($skillNames: [String!]!) {\n    agentAvailability(skillNames: $skillNames) {\n      skillNames\n      ready\n      away\n      extendedAway\n      loggedOut\n    }\n  }\n": typeof types.AgentAvailabilityDocument,
    "\n  query LatestCalls($from: DateTime!, $to: DateTime!, $first: Int!, $filedUnder: CallRecordingKey!) {\n    newVoiceMedia: calls(provider: NEWVOICEMEDIA, from: $from, to: $to, first: $first) {\n      nodes {\n        ...CallRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    pbx: calls(provider: PBX, from: $from, to: $to, first: $first) {\n      nodes {\n        ...CallRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n\n  fragment CallRow on Call {\n    provider\n    id\n    startTime\n    direction\n    from\n    to\n    durationSeconds\n    agents {\n      provider\n      id\n      name\n    }\n    media {\n      key\n      kind\n      contentType\n      filename\n      downloadUrl\n    }\n    recording(key: $filedUnder) {\n      filename\n      exists\n      callId\n    }\n  }\n": typeof types.LatestCallsDocument,
    "\n  query MoreCalls($provider: Provider!, $from: DateTime!, $to: DateTime!, $first: Int!, $after: String!, $filedUnder: CallRecordingKey!) {\n    calls(provider: $provider, from: $from, to: $to, first: $first, after: $after) {\n      nodes {\n        ...CallRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.MoreCallsDocument,
    "\n  query PbxAccounts {\n    pbxAccounts {\n      id\n      login\n      admin\n      access\n      clientId\n      timezone\n      status\n    }\n  }\n": typeof types.PbxAccountsDocument,
    "\n  mutation BeginPbxConnection {\n    beginPbxConnection {\n      authorizationUrl\n    }\n  }\n": typeof types.BeginPbxConnectionDocument,
    "\n  mutation StartAgentCall($agentName: String!, $destination: String!, $tenantDomain: String!) {\n    startAgentCall(agentName: $agentName, destination: $destination, tenantDomain: $tenantDomain) {\n      provider\n      accepted\n      callId\n      message\n    }\n  }\n": typeof types.StartAgentCallDocument,
    "\n  query Platforms {\n    providers {\n      provider\n      status\n      tokenExpiresAt\n      lastError\n      connectedAccounts\n      store {\n        kind\n        healthy\n        degradedSince\n      }\n    }\n  }\n": typeof types.PlatformsDocument,
    "\n  query Users($provider: Provider!, $search: String, $page: Int!, $pageSize: Int!) {\n    users(provider: $provider, search: $search, page: $page, pageSize: $pageSize) {\n      totalCount\n      page\n      pageSize\n      totalPages\n      nodes {\n        provider\n        id\n        login\n        name\n        email\n        phoneNumber\n        roles\n        active\n      }\n    }\n  }\n": typeof types.UsersDocument,
};
const documents: Documents = {
    "\n  query Agents($provider: Provider!) {\n    agents(provider: $provider) {\n      provider\n      id\n      name\n      user {\n        provider\n        id\n        email\n        active\n      }\n    }\n  }\n": types.AgentsDocument,
    "\n  query AgentAvailability($skillNames: [String!]!) {\n    agentAvailability(skillNames: $skillNames) {\n      skillNames\n      ready\n      away\n      extendedAway\n      loggedOut\n    }\n  }\n": types.AgentAvailabilityDocument,
    "\n  query LatestCalls($from: DateTime!, $to: DateTime!, $first: Int!, $filedUnder: CallRecordingKey!) {\n    newVoiceMedia: calls(provider: NEWVOICEMEDIA, from: $from, to: $to, first: $first) {\n      nodes {\n        ...CallRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    pbx: calls(provider: PBX, from: $from, to: $to, first: $first) {\n      nodes {\n        ...CallRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n\n  fragment CallRow on Call {\n    provider\n    id\n    startTime\n    direction\n    from\n    to\n    durationSeconds\n    agents {\n      provider\n      id\n      name\n    }\n    media {\n      key\n      kind\n      contentType\n      filename\n      downloadUrl\n    }\n    recording(key: $filedUnder) {\n      filename\n      exists\n      callId\n    }\n  }\n": types.LatestCallsDocument,
    "\n  query MoreCalls($provider: Provider!, $from: DateTime!, $to: DateTime!, $first: Int!, $after: String!, $filedUnder: CallRecordingKey!) {\n    calls(provider: $provider, from: $from, to: $to, first: $first, after: $after) {\n      nodes {\n        ...CallRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.MoreCallsDocument,
    "\n  query PbxAccounts {\n    pbxAccounts {\n      id\n      login\n      admin\n      access\n      clientId\n      timezone\n      status\n    }\n  }\n": types.PbxAccountsDocument,
    "\n  mutation BeginPbxConnection {\n    beginPbxConnection {\n      authorizationUrl\n    }\n  }\n": types.BeginPbxConnectionDocument,
    "\n  mutation StartAgentCall($agentName: String!, $destination: String!, $tenantDomain: String!) {\n    startAgentCall(agentName: $agentName, destination: $destination, tenantDomain: $tenantDomain) {\n      provider\n      accepted\n      callId\n      message\n    }\n  }\n": types.StartAgentCallDocument,
    "\n  query Platforms {\n    providers {\n      provider\n      status\n      tokenExpiresAt\n      lastError\n      connectedAccounts\n      store {\n        kind\n        healthy\n        degradedSince\n      }\n    }\n  }\n": types.PlatformsDocument,
    "\n  query Users($provider: Provider!, $search: String, $page: Int!, $pageSize: Int!) {\n    users(provider: $provider, search: $search, page: $page, pageSize: $pageSize) {\n      totalCount\n      page\n      pageSize\n      totalPages\n      nodes {\n        provider\n        id\n        login\n        name\n        email\n        phoneNumber\n        roles\n        active\n      }\n    }\n  }\n": types.UsersDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Agents($provider: Provider!) {\n    agents(provider: $provider) {\n      provider\n      id\n      name\n      user {\n        provider\n        id\n        email\n        active\n      }\n    }\n  }\n"): (typeof documents)["\n  query Agents($provider: Provider!) {\n    agents(provider: $provider) {\n      provider\n      id\n      name\n      user {\n        provider\n        id\n        email\n        active\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AgentAvailability($skillNames: [String!]!) {\n    agentAvailability(skillNames: $skillNames) {\n      skillNames\n      ready\n      away\n      extendedAway\n      loggedOut\n    }\n  }\n"): (typeof documents)["\n  query AgentAvailability($skillNames: [String!]!) {\n    agentAvailability(skillNames: $skillNames) {\n      skillNames\n      ready\n      away\n      extendedAway\n      loggedOut\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LatestCalls($from: DateTime!, $to: DateTime!, $first: Int!, $filedUnder: CallRecordingKey!) {\n    newVoiceMedia: calls(provider: NEWVOICEMEDIA, from: $from, to: $to, first: $first) {\n      nodes {\n        ...CallRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    pbx: calls(provider: PBX, from: $from, to: $to, first: $first) {\n      nodes {\n        ...CallRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n\n  fragment CallRow on Call {\n    provider\n    id\n    startTime\n    direction\n    from\n    to\n    durationSeconds\n    agents {\n      provider\n      id\n      name\n    }\n    media {\n      key\n      kind\n      contentType\n      filename\n      downloadUrl\n    }\n    recording(key: $filedUnder) {\n      filename\n      exists\n      callId\n    }\n  }\n"): (typeof documents)["\n  query LatestCalls($from: DateTime!, $to: DateTime!, $first: Int!, $filedUnder: CallRecordingKey!) {\n    newVoiceMedia: calls(provider: NEWVOICEMEDIA, from: $from, to: $to, first: $first) {\n      nodes {\n        ...CallRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    pbx: calls(provider: PBX, from: $from, to: $to, first: $first) {\n      nodes {\n        ...CallRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n\n  fragment CallRow on Call {\n    provider\n    id\n    startTime\n    direction\n    from\n    to\n    durationSeconds\n    agents {\n      provider\n      id\n      name\n    }\n    media {\n      key\n      kind\n      contentType\n      filename\n      downloadUrl\n    }\n    recording(key: $filedUnder) {\n      filename\n      exists\n      callId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MoreCalls($provider: Provider!, $from: DateTime!, $to: DateTime!, $first: Int!, $after: String!, $filedUnder: CallRecordingKey!) {\n    calls(provider: $provider, from: $from, to: $to, first: $first, after: $after) {\n      nodes {\n        ...CallRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query MoreCalls($provider: Provider!, $from: DateTime!, $to: DateTime!, $first: Int!, $after: String!, $filedUnder: CallRecordingKey!) {\n    calls(provider: $provider, from: $from, to: $to, first: $first, after: $after) {\n      nodes {\n        ...CallRow\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PbxAccounts {\n    pbxAccounts {\n      id\n      login\n      admin\n      access\n      clientId\n      timezone\n      status\n    }\n  }\n"): (typeof documents)["\n  query PbxAccounts {\n    pbxAccounts {\n      id\n      login\n      admin\n      access\n      clientId\n      timezone\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BeginPbxConnection {\n    beginPbxConnection {\n      authorizationUrl\n    }\n  }\n"): (typeof documents)["\n  mutation BeginPbxConnection {\n    beginPbxConnection {\n      authorizationUrl\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartAgentCall($agentName: String!, $destination: String!, $tenantDomain: String!) {\n    startAgentCall(agentName: $agentName, destination: $destination, tenantDomain: $tenantDomain) {\n      provider\n      accepted\n      callId\n      message\n    }\n  }\n"): (typeof documents)["\n  mutation StartAgentCall($agentName: String!, $destination: String!, $tenantDomain: String!) {\n    startAgentCall(agentName: $agentName, destination: $destination, tenantDomain: $tenantDomain) {\n      provider\n      accepted\n      callId\n      message\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Platforms {\n    providers {\n      provider\n      status\n      tokenExpiresAt\n      lastError\n      connectedAccounts\n      store {\n        kind\n        healthy\n        degradedSince\n      }\n    }\n  }\n"): (typeof documents)["\n  query Platforms {\n    providers {\n      provider\n      status\n      tokenExpiresAt\n      lastError\n      connectedAccounts\n      store {\n        kind\n        healthy\n        degradedSince\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Users($provider: Provider!, $search: String, $page: Int!, $pageSize: Int!) {\n    users(provider: $provider, search: $search, page: $page, pageSize: $pageSize) {\n      totalCount\n      page\n      pageSize\n      totalPages\n      nodes {\n        provider\n        id\n        login\n        name\n        email\n        phoneNumber\n        roles\n        active\n      }\n    }\n  }\n"): (typeof documents)["\n  query Users($provider: Provider!, $search: String, $page: Int!, $pageSize: Int!) {\n    users(provider: $provider, search: $search, page: $page, pageSize: $pageSize) {\n      totalCount\n      page\n      pageSize\n      totalPages\n      nodes {\n        provider\n        id\n        login\n        name\n        email\n        phoneNumber\n        roles\n        active\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;