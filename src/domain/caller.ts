/** Who called, once authenticated; `subject` is the JWT `sub` (safe to log: an identifier, not a credential). */
export interface Caller {
  kind: 'anonymous' | 'router' | 'jwt';
  subject?: string;
  /**
   * The scopes a bearer JWT grants (`kind: 'jwt'` only): its `scope` claim (space-separated, RFC 8693 §4.2) and
   * its `scp` claim (an array, or a space-separated string, as Azure AD and Okta send it), together. Fields with
   * `@requiresScopes` check them (src/server/scopes.ts).
   */
  scopes?: ReadonlySet<string>;
  /**
   * The tenant the request acts for (docs/tenancy.md), from CXGRAPH_TENANT_CLAIM or CXGRAPH_TENANT_HEADER. Always set
   * in multi-tenant mode (a request without one is refused); undefined otherwise, meaning tenant `default`.
   */
  tenant?: string;
}
