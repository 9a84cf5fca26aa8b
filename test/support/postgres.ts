/**
 * Scratch databases for tests, on the server the global setup started (embedded
 * Postgres, or DRIFTBOT_DATABASE_URL when given). Every database is named
 * `driftbot_test_…`, so the leak check after the suite sees any that is not dropped.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the test Postgres server. */
    postgresUrl: string;
    /** Python interpreter of driftbot's managed environment. */
    pythonExecutable: string;
  }
}

export function testServerUrl(): string {
  return inject('postgresUrl');
}

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface ScratchDatabase {
  name: string;
  url: string;
  /** Runs SQL on the scratch database. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<T>>;
  drop(): Promise<void>;
}

export async function scratchDatabase(purpose = 'scratch'): Promise<ScratchDatabase> {
  const serverUrl = testServerUrl();
  const name = `driftbot_test_${purpose
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  const url = databaseUrl(serverUrl, name);
  let client: pg.Client | null = null;
  return {
    name,
    url,
    async query(sql, params) {
      if (!client) {
        client = new pg.Client({ connectionString: url });
        await client.connect();
      }
      return client.query(sql, params as unknown[]);
    },
    async drop() {
      if (client) await client.end();
      client = null;
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
