/** Where a Redis is: one server by URL, or a cluster by its seed nodes. The one target type of every Redis client. */
export type RedisTarget = { url: string } | { cluster: readonly string[] };
