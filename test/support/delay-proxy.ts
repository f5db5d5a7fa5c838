/**
 * A TCP proxy that delays every chunk, each way, by `delayMs` (order kept): a slow network in front of a real
 * server (a Redis 150 ms away). The delay can be changed while connections are open.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface DelayProxy {
  url: string;
  port: number;
  delayMs: number;
  close(): Promise<void>;
}

export async function startDelayProxy(target: { host: string; port: number }, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const proxy: Partial<DelayProxy> & { delayMs: number } = { delayMs };
  /** Forwards from → to, each chunk `delayMs` after it arrived, never before the chunk ahead of it. */
  const pipe = (from: Socket, to: Socket) => {
    let last = 0;
    from.on('data', (chunk) => {
      const at = Math.max(Date.now() + proxy.delayMs, last);
      last = at;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, at - Date.now());
    });
    from.on('close', () => setTimeout(() => to.destroy(), Math.max(0, last - Date.now())));
    from.on('error', () => to.destroy());
  };
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => sockets.delete(s));
    }
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  proxy.port = port;
  proxy.url = `redis://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return proxy as DelayProxy;
}
