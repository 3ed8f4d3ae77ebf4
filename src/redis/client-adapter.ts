/**
 * Speaks to the user's own Redis client, whichever it is: `ioredis` (a `Redis` or `Cluster`) or node-redis
 * (`createClient()` from `redis`). The one adapter every Redis back-end uses (the coordinator and the ledger),
 * with only the few operations they need: one raw command, and a second connection subscribed to a channel. Neither driver is imported: the client the user passes is
 * inspected, so neither module is loaded unless the user loaded it.
 */

/** The user's client: an `ioredis` instance or a node-redis client. Checked at run time. */
export type RedisClientLike = object;

/** A subscription on a connection of its own; `close()` ends that connection, never the user's client. */
export interface Subscription {
  close(): Promise<void>;
}

/** What the back-ends ask of a Redis client. */
export interface RedisAdapter {
  /** `ioredis` or `node-redis`. */
  readonly driver: 'ioredis' | 'node-redis';
  /** Where the client connects, for error messages: host and port only, never a password. */
  readonly address: string;
  /** Sends one command (`['EVALSHA', sha, …]`) and returns Redis's reply. */
  command(args: readonly string[]): Promise<unknown>;
  /**
   * Opens a second connection subscribed to `channel`; `onMessage` is called for every message. Rejects
   * (and closes that connection) when it is not subscribed within `timeoutMs`.
   */
  subscribe(channel: string, onMessage: () => void, timeoutMs: number): Promise<Subscription>;
}

interface IoRedisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  duplicate(): IoRedisLike & {
    subscribe(channel: string): Promise<unknown>;
    on(event: string, listener: (...args: unknown[]) => void): unknown;
    disconnect(): void;
  };
  options?: { host?: string; port?: number; path?: string };
}

interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
  isOpen: boolean;
  duplicate(): NodeRedisLike & {
    connect(): Promise<unknown>;
    subscribe(channel: string, listener: () => void): Promise<unknown>;
    on(event: string, listener: (...args: unknown[]) => void): unknown;
    disconnect(): Promise<void>;
  };
  options?: { url?: string; socket?: { host?: string; port?: number; path?: string } };
}

/** Errors of the subscriber connection: waiters fall back to their timers, and nothing crashes. */
const ignore = (): void => {};

const isFunction = (value: unknown): boolean => typeof value === 'function';

/** Wraps the user's client, or throws a `TypeError` saying what is accepted. */
export function adaptRedisClient(client: unknown, owner: string): RedisAdapter {
  const candidate = client as Record<string, unknown> | null | undefined;
  if (candidate && isFunction(candidate['call']) && isFunction(candidate['duplicate'])) {
    return ioredisAdapter(client as IoRedisLike);
  }
  if (candidate && isFunction(candidate['sendCommand']) && 'isOpen' in candidate) {
    return nodeRedisAdapter(client as NodeRedisLike);
  }
  throw new TypeError(
    `${owner}: \`redis\` must be an ioredis client (new Redis(url)) or a node-redis client (createClient({ url }), connected); got ${describe(client)}`,
  );
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return typeof value;
  return 'an object without call() or sendCommand()';
}

function ioredisAdapter(client: IoRedisLike): RedisAdapter {
  const { host = '127.0.0.1', port = 6379, path } = client.options ?? {};
  return {
    driver: 'ioredis',
    address: path ?? `${host}:${port}`,
    command: ([name, ...args]) => client.call(name as string, ...args),
    async subscribe(channel, onMessage, timeoutMs) {
      const connection = client.duplicate();
      connection.on('error', ignore);
      connection.on('message', () => onMessage());
      const close = async () => connection.disconnect();
      await within(connection.subscribe(channel), timeoutMs, close);
      return { close };
    },
  };
}

function nodeRedisAdapter(client: NodeRedisLike): RedisAdapter {
  return {
    driver: 'node-redis',
    address: nodeRedisAddress(client.options),
    command: (args) => client.sendCommand([...args]),
    async subscribe(channel, onMessage, timeoutMs) {
      const connection = client.duplicate();
      connection.on('error', ignore);
      // disconnect(): in every version from 4 on (deprecated for destroy() from 5 on, with the same effect).
      const close = () => connection.disconnect().catch(ignore);
      const subscribed = (async () => {
        await connection.connect();
        await connection.subscribe(channel, () => onMessage());
      })();
      await within(subscribed, timeoutMs, close);
      return { close };
    },
  };
}

/** node-redis keeps either a URL (which may hold a password: only its host is kept) or socket options. */
function nodeRedisAddress(options: NodeRedisLike['options']): string {
  if (options?.url) {
    try {
      return new URL(options.url).host || '127.0.0.1:6379';
    } catch {
      return 'unparsable URL';
    }
  }
  const socket = options?.socket;
  if (socket?.path) return socket.path;
  return `${socket?.host ?? 'localhost'}:${socket?.port ?? 6379}`;
}

/** Settles as `work` does, or rejects after `timeoutMs`; on either failure `close` is called. */
async function within(work: Promise<unknown>, timeoutMs: number, close: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not subscribed within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([work, timeout]);
  } catch (error) {
    work.catch(() => {});
    await close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
