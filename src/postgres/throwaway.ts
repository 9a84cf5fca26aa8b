/**
 * Throwaway databases: every database an analysis builds is named
 * `driftbot_<unix seconds>_<run id>_<purpose>`, so that it can always be found and
 * dropped: by the analysis itself (success, error, or interruption), or, if the process
 * died, by the sweep at the next start, which reads the creation time from the name.
 */
import { randomBytes } from 'node:crypto';
import type { PostgresServer } from './server.js';
import { databaseUrl, withClient } from './client.js';
import { isShuttingDown, onShutdown } from '../shutdown.js';

const PREFIX = 'driftbot_';

export interface ThrowawayDatabase {
  name: string;
  url: string;
}

export class ThrowawayDatabases {
  readonly runId = randomBytes(4).toString('hex');
  private readonly created: string[] = [];
  private readonly unregister: () => void;

  constructor(private readonly server: PostgresServer) {
    this.unregister = onShutdown(() => this.dropAll());
  }

  /** Creates an empty database (from `template0`, so nothing in `template1` leaks in). */
  async create(purpose: string): Promise<ThrowawayDatabase> {
    if (isShuttingDown()) throw new Error('interrupted: no new databases are created while shutting down');
    const seconds = Math.floor(Date.now() / 1000);
    const name = `${PREFIX}${seconds}_${this.runId}_${purpose.replace(/[^a-z0-9]/g, '')}`.slice(0, 63);
    this.created.push(name);
    await withClient(this.server.adminUrl, (client) => client.query(`CREATE DATABASE "${name}" TEMPLATE template0`));
    return { name, url: databaseUrl(this.server.adminUrl, name) };
  }

  /** How many databases this run created. */
  get count(): number {
    return this.created.length;
  }

  /** Drops every database this run created; safe to call more than once. */
  async dropAll(): Promise<void> {
    this.unregister();
    const names = this.created.splice(0);
    if (names.length === 0) return;
    await withClient(this.server.adminUrl, async (client) => {
      for (const name of names) {
        // FORCE: a migration may have left a connection open.
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }
    });
  }
}

/** Drops driftbot databases older than `maxAgeMs` left by processes that died. Returns their names. */
export async function sweepStaleDatabases(server: PostgresServer, maxAgeMs = 60 * 60 * 1000): Promise<string[]> {
  return withClient(server.adminUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'driftbot\\_%' ESCAPE '\\'`,
    );
    const now = Date.now();
    const stale = rows
      .map((row) => row.datname)
      .filter((name) => {
        const seconds = Number(/^driftbot_(\d{10})_/.exec(name)?.[1]);
        return Number.isFinite(seconds) && now - seconds * 1000 > maxAgeMs;
      });
    for (const name of stale) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    return stale;
  });
}
