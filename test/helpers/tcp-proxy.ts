/**
 * A TCP proxy on 127.0.0.1 in front of a real server, to take the server away mid-test without touching it
 * (other suites share it): `cut()` drops every connection and refuses new ones, `blackhole()` keeps the
 * connections but forwards nothing (a server that stopped answering, as under `DEBUG SLEEP`), `restore()`
 * forwards again (what was held back is delivered then).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  /** `redis://127.0.0.1:<port>`-style host and port to connect to. */
  port: number;
  cut(): void;
  blackhole(): void;
  restore(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (`host:port`). */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const [host, port] = target.split(':') as [string, string];
  let mode: 'forward' | 'cut' | 'blackhole' = 'forward';
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const server: Server = createServer((client) => {
    track(client);
    if (mode === 'cut') return void client.destroy();
    clients.add(client);
    client.on('close', () => clients.delete(client));
    if (mode === 'blackhole') client.pause();
    const upstream = createConnection({ host, port: Number(port) });
    track(upstream);
    client.pipe(upstream);
    if (mode === 'blackhole') client.pause();
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      mode = 'cut';
      dropAll();
    },
    blackhole() {
      mode = 'blackhole';
      for (const client of clients) client.pause();
    },
    restore() {
      mode = 'forward';
      for (const client of clients) client.resume();
    },
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
