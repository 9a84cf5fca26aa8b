/**
 * Connections to driftbot's own databases on a server (its administration database, the
 * catalog) are kept open between uses; one whose work failed is never kept, so nothing
 * it held (a lock, a transaction) reaches the next use; and they close before a server stops.
 */
import { describe, expect, inject, it } from 'vitest';
import { closeKeptClients, withClient, withKeptClient } from '../../src/postgres/client.js';

const url = () => inject('postgresUrl');
const pidOf = (client: { query: (sql: string) => Promise<{ rows: { pid: number }[] }> }) => client.query('SELECT pg_backend_pid() AS pid').then((r) => r.rows[0]!.pid);
const alive = (pid: number) => withClient(url(), async (client) => (await client.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rows.length === 1);

describe('kept connections', () => {
  it('are used again, closed after a failure with what they held, and closed for a server that stops', async () => {
    const first = await withKeptClient(url(), pidOf);
    expect(await withKeptClient(url(), pidOf)).toBe(first);

    // A failure in the middle of holding a lock: the connection goes, and the lock with it.
    const lock = 4242_0001;
    const failed = await withKeptClient(url(), async (client) => {
      await client.query('SELECT pg_advisory_lock($1)', [lock]);
      throw new Error(`held by ${await pidOf(client)}`);
    }).catch((error: Error) => Number(error.message.split(' ').pop()));
    expect(failed).toBe(first);
    await expect.poll(() => alive(first)).toBe(false);
    const free = await withClient(url(), async (client) => (await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [lock])).rows[0]!.got);
    expect(free).toBe(true);

    const next = await withKeptClient(url(), pidOf);
    expect(next).not.toBe(first);
    await closeKeptClients(url());
    await expect.poll(() => alive(next)).toBe(false);
    // Opened again on the next use.
    expect(await withKeptClient(url(), pidOf)).not.toBe(next);
    await closeKeptClients(url());
  });

  it('are never taken inside the work of another to the same database: side by side, that could wait forever', async () => {
    await expect(withKeptClient(url(), () => withKeptClient(url(), pidOf))).rejects.toThrow(/inside the work of another to the same database/);
    // Another database, or one after the other: allowed.
    const other = new URL(url());
    other.pathname = '/template1';
    await expect(withKeptClient(url(), () => withKeptClient(other.toString(), pidOf))).resolves.toBeGreaterThan(0);
    await expect(withKeptClient(url(), pidOf).then(() => withKeptClient(url(), pidOf))).resolves.toBeGreaterThan(0);
    await closeKeptClients(url());
  });
});
