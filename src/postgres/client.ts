import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';

/** Runs `work` with a connected client and always closes it. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // A server that goes away mid-query emits 'error' on the client; the query rejects anyway.
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Connections to the databases driftbot itself keeps on a server (its administration
 * database, the template cache's catalog), kept open a few seconds between uses. A new
 * connection costs a backend and a password check: 7–35 ms here, and an analysis makes
 * a dozen of them one after another. Never for a throwaway database: an idle connection
 * would stop it being copied, renamed or its role dropped. Few, and closed after a second
 * idle: each is a Postgres backend holding memory (`npm run bench:serve` counts them).
 */
const pools = new Map<string, pg.Pool>();
const POOL = { max: 3, idleTimeoutMillis: 1_000, connectionTimeoutMillis: 10_000, allowExitOnIdle: true };
/** The URLs whose kept connection the running work holds. */
const holding = new AsyncLocalStorage<string[]>();

/**
 * Runs `work` with a kept connection to `url`. A connection whose work failed is closed,
 * not kept: whatever it was in the middle of (a transaction, a lock) goes with it. `work`
 * never takes a second kept connection to the same `url`: analyses side by side could
 * each hold one and wait for another forever.
 */
export async function withKeptClient<T>(url: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const held = holding.getStore() ?? [];
  if (held.includes(url)) throw new Error('a kept connection was asked for inside the work of another to the same database (client.ts says why not)');
  let pool = pools.get(url);
  if (!pool) {
    pool = new pg.Pool({ connectionString: url, ...POOL });
    // An idle connection the server ended (a database dropped WITH (FORCE), a server
    // stopping) leaves the pool; the next use opens another.
    pool.on('error', () => {});
    pools.set(url, pool);
  }
  const client = await pool.connect();
  let failed = false;
  try {
    return await holding.run([...held, url], () => work(client));
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    client.release(failed);
  }
}

/** Closes the kept connections to the server of `serverUrl` (before it stops). */
export async function closeKeptClients(serverUrl: string): Promise<void> {
  const host = new URL(serverUrl).host;
  const closing = [...pools].filter(([url]) => new URL(url).host === host);
  for (const [url] of closing) pools.delete(url);
  await Promise.all(closing.map(([, pool]) => pool.end().catch(() => {})));
}

/** The URL of another database on the same server. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
