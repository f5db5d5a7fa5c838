/** The default key prefix (CXGRAPH_REDIS_PREFIX). */
export const NAMESPACE = 'cxgraph';
