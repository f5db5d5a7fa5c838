/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_CXGRAPH_URL?: string;
  readonly VITE_CXGRAPH_PREFIX?: string;
  readonly VITE_CALLS_WEEK_OF?: string;
  readonly VITE_CALLJOURNEY_COMPANY?: string;
  readonly VITE_CALLJOURNEY_ORGANISATION?: string;
  readonly VITE_CALLJOURNEY_FOLDER?: string;
  readonly VITE_CXGRAPH_TENANTS?: string;
  readonly VITE_CXGRAPH_TENANT_HEADER?: string;
}
