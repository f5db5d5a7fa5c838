/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Which way a call went, seen from the contact centre. */
export type CallDirection =
  /** A call into the contact centre. */
  | 'INBOUND'
  /** A call between extensions of the same PBX, or a direction the platform did not state. */
  | 'INTERNAL'
  /** A call out of the contact centre. */
  | 'OUTBOUND';

/**
 * Where a call's recording is filed in CallJourney: the same fields as `RecordingKey`, except that `filename` may be
 * left out (then `Call.recording` uses the call's first recording file name, else `<id>.wav`).
 */
export type CallRecordingKey = {
  /** Company name exactly as configured in CallJourney. */
  company: string;
  /** File name to check, e.g. `call-0001.wav`; default: the call's first recording file name, else `<id>.wav`. */
  filename?: string | null | undefined;
  /** Folder that holds the call's recordings, e.g. `2024-05`. */
  folder: string;
  /** Organisation within the company. */
  organisation: string;
};

/** How cxgraph currently stands with one provider's credentials (or, for PbxAccount, one account's). */
export type ConnectionStatus =
  /** Credentials are set and the last token request or API call succeeded (or none was needed yet). */
  | 'CONNECTED'
  /** The provider refused the stored grant (invalid_grant / invalid_client); a person must authorise again or fix the credentials. */
  | 'NEEDS_REAUTHORIZATION'
  /** The provider's credentials are not set, so its fields answer PROVIDER_NOT_CONFIGURED. */
  | 'NOT_CONFIGURED'
  /**
   * Configured, but nothing is connected to use yet: for PBX, no PBX account has authorised cxgraph (or every one
   * was removed), so PBX fields answer empty lists; `beginPbxConnection` connects one. Never a PbxAccount's status.
   */
  | 'NOT_CONNECTED'
  /** The provider's token endpoint or API could not be reached or failed on the last attempt; cxgraph keeps trying on later requests. */
  | 'UNAVAILABLE';

/**
 * The upstream platforms cxgraph speaks to. Every entity that can come from more than one platform carries its
 * provider, so that `provider` + `id` is unique within the supergraph.
 */
export type Provider =
  /** CallJourney call-recording platform (Azure AD client credentials): recordings. */
  | 'CALLJOURNEY'
  /** CloudCX / Cloudfon CX, on the customer's own domain (password grant or API key): users. */
  | 'CLOUDCX'
  /** NewVoiceMedia / Vonage Contact Center (regional client credentials, one token per scope): users, agents, availability, calls. */
  | 'NEWVOICEMEDIA'
  /** Telphin virtual PBX (PBX users connect through an authorization-code consent): accounts, extensions as agents, calls. */
  | 'PBX'
  /** Sangoma CX contact centre (client credentials with HTTP Basic): places outbound calls. */
  | 'SANGOMA';

/** Where cxgraph keeps tokens and PBX connections. */
export type StoreKind =
  /** In process memory (REDIS_URL not set): one replica only, lost on restart. */
  | 'MEMORY'
  /** One Redis (REDIS_URL), shared by every replica. */
  | 'REDIS'
  /** A Redis Cluster (REDIS_CLUSTER_NODES), shared by every replica. */
  | 'REDIS_CLUSTER';

export type AgentsQueryVariables = Exact<{
  provider: Provider;
}>;


export type AgentsQuery = { __typename: 'Query', agents: Array<{ __typename: 'Agent', provider: Provider, id: string, name: string | null, user: { __typename: 'User', provider: Provider, id: string, email: string | null, active: boolean | null } | null }> | null };

export type AgentAvailabilityQueryVariables = Exact<{
  skillNames: Array<string> | string;
}>;


export type AgentAvailabilityQuery = { __typename: 'Query', agentAvailability: { __typename: 'AgentAvailability', skillNames: Array<string>, ready: number, away: number, extendedAway: number, loggedOut: number } | null };

export type LatestCallsQueryVariables = Exact<{
  from: string;
  to: string;
  first: number;
  filedUnder: CallRecordingKey;
}>;


export type LatestCallsQuery = { __typename: 'Query', newVoiceMedia: { __typename: 'CallConnection', nodes: Array<{ __typename: 'Call', provider: Provider, id: string, startTime: string | null, direction: CallDirection | null, from: string | null, to: string | null, durationSeconds: number | null, agents: Array<{ __typename: 'Agent', provider: Provider, id: string, name: string | null }>, media: Array<{ __typename: 'CallMedia', key: string, kind: string, contentType: string | null, filename: string | null, downloadUrl: string }>, recording: { __typename: 'Recording', filename: string, exists: boolean, callId: string | null } | null }>, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean } } | null, pbx: { __typename: 'CallConnection', nodes: Array<{ __typename: 'Call', provider: Provider, id: string, startTime: string | null, direction: CallDirection | null, from: string | null, to: string | null, durationSeconds: number | null, agents: Array<{ __typename: 'Agent', provider: Provider, id: string, name: string | null }>, media: Array<{ __typename: 'CallMedia', key: string, kind: string, contentType: string | null, filename: string | null, downloadUrl: string }>, recording: { __typename: 'Recording', filename: string, exists: boolean, callId: string | null } | null }>, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean } } | null };

export type CallRowFragment = { __typename: 'Call', provider: Provider, id: string, startTime: string | null, direction: CallDirection | null, from: string | null, to: string | null, durationSeconds: number | null, agents: Array<{ __typename: 'Agent', provider: Provider, id: string, name: string | null }>, media: Array<{ __typename: 'CallMedia', key: string, kind: string, contentType: string | null, filename: string | null, downloadUrl: string }>, recording: { __typename: 'Recording', filename: string, exists: boolean, callId: string | null } | null };

export type PbxAccountsQueryVariables = Exact<{ [key: string]: never; }>;


export type PbxAccountsQuery = { __typename: 'Query', pbxAccounts: Array<{ __typename: 'PbxAccount', id: string, login: string, admin: boolean, access: string | null, clientId: string | null, timezone: string | null, status: ConnectionStatus }> | null };

export type BeginPbxConnectionMutationVariables = Exact<{ [key: string]: never; }>;


export type BeginPbxConnectionMutation = { __typename: 'Mutation', beginPbxConnection: { __typename: 'PbxConnectionStart', authorizationUrl: string } | null };

export type StartAgentCallMutationVariables = Exact<{
  agentName: string;
  destination: string;
  tenantDomain: string;
}>;


export type StartAgentCallMutation = { __typename: 'Mutation', startAgentCall: { __typename: 'CallStart', provider: Provider, accepted: boolean, callId: string | null, message: string | null } | null };

export type PlatformsQueryVariables = Exact<{ [key: string]: never; }>;


export type PlatformsQuery = { __typename: 'Query', providers: Array<{ __typename: 'ProviderConnection', provider: Provider, status: ConnectionStatus, tokenExpiresAt: string | null, lastError: string | null, connectedAccounts: number | null, store: { __typename: 'StoreStatus', kind: StoreKind, healthy: boolean, degradedSince: string | null } }> };

export type UsersQueryVariables = Exact<{
  provider: Provider;
  search?: string | null | undefined;
  page: number;
  pageSize: number;
}>;


export type UsersQuery = { __typename: 'Query', users: { __typename: 'UserPage', totalCount: number, page: number, pageSize: number, totalPages: number, nodes: Array<{ __typename: 'User', provider: Provider, id: string, login: string | null, name: string | null, email: string | null, phoneNumber: string | null, roles: Array<string>, active: boolean | null }> } | null };

export const CallRowFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"CallRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Call"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"startTime"}},{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"durationSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"agents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"media"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"filename"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"recording"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filedUnder"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"filename"}},{"kind":"Field","name":{"kind":"Name","value":"exists"}},{"kind":"Field","name":{"kind":"Name","value":"callId"}}]}}]}}]} as unknown as DocumentNode<CallRowFragment, unknown>;
export const AgentsDocument = {"__meta__":{"hash":"d544fefec25133ec2cca8a29636163de7aba39b7a2d32b4897b823a98322e1a7"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Agents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"provider"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Provider"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"agents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"provider"},"value":{"kind":"Variable","name":{"kind":"Name","value":"provider"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"active"}}]}}]}}]}}]} as unknown as DocumentNode<AgentsQuery, AgentsQueryVariables>;
export const AgentAvailabilityDocument = {"__meta__":{"hash":"0e62019768cb9ed21871acd165fed21aec739adde9d816cfe2c03c7d8f6c1977"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AgentAvailability"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"skillNames"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"agentAvailability"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"skillNames"},"value":{"kind":"Variable","name":{"kind":"Name","value":"skillNames"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"skillNames"}},{"kind":"Field","name":{"kind":"Name","value":"ready"}},{"kind":"Field","name":{"kind":"Name","value":"away"}},{"kind":"Field","name":{"kind":"Name","value":"extendedAway"}},{"kind":"Field","name":{"kind":"Name","value":"loggedOut"}}]}}]}}]} as unknown as DocumentNode<AgentAvailabilityQuery, AgentAvailabilityQueryVariables>;
export const LatestCallsDocument = {"__meta__":{"hash":"3b8bef94adb3fefa4bcb1d5f809c8212ecbb60c4c6cb769f950e0a4c779e1188"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"LatestCalls"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filedUnder"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CallRecordingKey"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","alias":{"kind":"Name","value":"newVoiceMedia"},"name":{"kind":"Name","value":"calls"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"provider"},"value":{"kind":"EnumValue","value":"NEWVOICEMEDIA"}},{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"CallRow"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"pbx"},"name":{"kind":"Name","value":"calls"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"provider"},"value":{"kind":"EnumValue","value":"PBX"}},{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"CallRow"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"CallRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Call"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"startTime"}},{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"from"}},{"kind":"Field","name":{"kind":"Name","value":"to"}},{"kind":"Field","name":{"kind":"Name","value":"durationSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"agents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"media"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"filename"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"recording"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filedUnder"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"filename"}},{"kind":"Field","name":{"kind":"Name","value":"exists"}},{"kind":"Field","name":{"kind":"Name","value":"callId"}}]}}]}}]} as unknown as DocumentNode<LatestCallsQuery, LatestCallsQueryVariables>;
export const PbxAccountsDocument = {"__meta__":{"hash":"d97b078d7112714d64520581d4cc615a7ec9c5ade83da9c7b56d0fa54c791075"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PbxAccounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"pbxAccounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"login"}},{"kind":"Field","name":{"kind":"Name","value":"admin"}},{"kind":"Field","name":{"kind":"Name","value":"access"}},{"kind":"Field","name":{"kind":"Name","value":"clientId"}},{"kind":"Field","name":{"kind":"Name","value":"timezone"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]} as unknown as DocumentNode<PbxAccountsQuery, PbxAccountsQueryVariables>;
export const BeginPbxConnectionDocument = {"__meta__":{"hash":"56973ed04e90691cb139796dc5b1e0521e9d1a6b714fd8536f3fbd1818ffe0d5"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"BeginPbxConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"beginPbxConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"authorizationUrl"}}]}}]}}]} as unknown as DocumentNode<BeginPbxConnectionMutation, BeginPbxConnectionMutationVariables>;
export const StartAgentCallDocument = {"__meta__":{"hash":"466ba7aa9cb8cf875bfd4690d648911286a5db75de262e8d4e2d875eeceb8aa9"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StartAgentCall"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"agentName"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"destination"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"tenantDomain"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"startAgentCall"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"agentName"},"value":{"kind":"Variable","name":{"kind":"Name","value":"agentName"}}},{"kind":"Argument","name":{"kind":"Name","value":"destination"},"value":{"kind":"Variable","name":{"kind":"Name","value":"destination"}}},{"kind":"Argument","name":{"kind":"Name","value":"tenantDomain"},"value":{"kind":"Variable","name":{"kind":"Name","value":"tenantDomain"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"accepted"}},{"kind":"Field","name":{"kind":"Name","value":"callId"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]} as unknown as DocumentNode<StartAgentCallMutation, StartAgentCallMutationVariables>;
export const PlatformsDocument = {"__meta__":{"hash":"dc174f9422e0621b3c14796edd7403294778154733e5f9e5be2f777f9537a539"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Platforms"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"providers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"connectedAccounts"}},{"kind":"Field","name":{"kind":"Name","value":"store"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"healthy"}},{"kind":"Field","name":{"kind":"Name","value":"degradedSince"}}]}}]}}]}}]} as unknown as DocumentNode<PlatformsQuery, PlatformsQueryVariables>;
export const UsersDocument = {"__meta__":{"hash":"51ac6c9e21f4f7f5043bd6dcb938024eb64281a5f793e2090d9d27ac8050c02a"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Users"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"provider"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Provider"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"page"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"pageSize"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"users"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"provider"},"value":{"kind":"Variable","name":{"kind":"Name","value":"provider"}}},{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}},{"kind":"Argument","name":{"kind":"Name","value":"page"},"value":{"kind":"Variable","name":{"kind":"Name","value":"page"}}},{"kind":"Argument","name":{"kind":"Name","value":"pageSize"},"value":{"kind":"Variable","name":{"kind":"Name","value":"pageSize"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"page"}},{"kind":"Field","name":{"kind":"Name","value":"pageSize"}},{"kind":"Field","name":{"kind":"Name","value":"totalPages"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"login"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumber"}},{"kind":"Field","name":{"kind":"Name","value":"roles"}},{"kind":"Field","name":{"kind":"Name","value":"active"}}]}}]}}]}}]} as unknown as DocumentNode<UsersQuery, UsersQueryVariables>;