/**
 * The one door from the sandbox to Postgres: a Unix socket in the analysis' own work
 * folder, named as Postgres names its sockets (`.s.PGSQL.5432`), whose every connection
 * driftbot pipes to the real server — the embedded server's own socket, or the host and
 * port of a server given by URL. The runner has no network, never sees the server's URL
 * or its sockets, and connects with libpq's `host=<folder>` like to any local server.
 * Authentication still happens at the server: the runner only has its analysis' role.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

export const RELAY_PORT = 5432;

export interface PostgresRelay {
  /** The folder holding the socket: libpq's `host`. */
  socketDir: string;
  close(): Promise<void>;
}

export type RelayTarget = { path: string } | { host: string; port: number };

/** Where connections go, from the server's admin URL and its socket folder when known. */
export function relayTarget(adminUrl: string, socketDir: string | null): RelayTarget {
  const url = new URL(adminUrl);
  const port = Number(url.port || '5432');
  if (socketDir) return { path: join(socketDir, `.s.PGSQL.${port}`) };
  // libpq's own form for a Unix socket: postgres://user@/db?host=/var/run/postgresql
  const host = url.searchParams.get('host');
  if (host?.startsWith('/')) return { path: join(host, `.s.PGSQL.${port}`) };
  return { host: url.hostname.replace(/^\[|\]$/g, '') || 'localhost', port };
}

export async function openRelay(socketDir: string, target: RelayTarget): Promise<PostgresRelay> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = 'path' in target ? connect(target.path) : connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const forget = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(join(socketDir, `.s.PGSQL.${RELAY_PORT}`), () => resolve());
  });
  return {
    socketDir,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
