/**
 * Throwaway databases: every database an analysis builds is named
 * `driftbot_<unix seconds>_<run id>_<purpose>`, so that it can always be found and
 * dropped: by the analysis itself (success, error, or interruption), or, if the process
 * died, by the sweep at the next start, which reads the creation time from the name.
 *
 * The pull request's migrations connect as a role made for the analysis
 * (`driftbot_<unix seconds>_<run id>`): it owns only these databases, may not create
 * databases or roles, and no other analysis's role may connect to them. The server's
 * own credentials never reach the runner. A server that refuses to create roles is
 * used with the given credentials, and `isolated` says so.
 */
import { randomBytes } from 'node:crypto';
import type { PostgresServer } from './server.js';
import { databaseUrl, withClient, withKeptClient } from './client.js';
import { isShuttingDown, onShutdown } from '../shutdown.js';
import { RELAY_PORT } from '../sandbox/postgres-relay.js';

const PREFIX = 'driftbot_';
/** Temporary files one session of an analysis may write (Postgres's temp_file_limit). */
const TEMP_FILE_LIMIT = '2GB';

export interface Extension {
  name: string;
  schema: string;
}

export interface ThrowawayDatabase {
  name: string;
  url: string;
  /** The URL the runner gets: through the analysis' Postgres relay when there is one (the sandbox has no network). */
  runnerUrl: string;
}

export class ThrowawayDatabases {
  readonly runId = randomBytes(4).toString('hex');
  private readonly created: string[] = [];
  private readonly unregister: () => void;
  private role: { name: string; password: string } | null | undefined;
  private dropping: Promise<void> = Promise.resolve();
  private makingRole: Promise<{ name: string; password: string } | null> | null = null;
  /** The folder of the analysis' relay socket (sandbox/postgres-relay.ts), once it is open. */
  runnerSocketDir: string | null = null;

  constructor(private readonly server: PostgresServer) {
    this.unregister = onShutdown(() => this.dropAll());
  }

  /**
   * Another set of throwaway databases on the same server, with a role of its own: a
   * build that may become a cached template is made by a role that owns nothing else.
   */
  sibling(): ThrowawayDatabases {
    const sibling = new ThrowawayDatabases(this.server);
    sibling.runnerSocketDir = this.runnerSocketDir;
    return sibling;
  }

  /** False when the server would not create a role for the analysis (then its own credentials are used); null before the first database. */
  get isolated(): boolean | null {
    return this.role === undefined ? null : this.role !== null;
  }

  /** Creates an empty database (from `template0`, so nothing in `template1` leaks in), owned by the analysis's role. */
  async create(purpose: string, template = 'template0'): Promise<ThrowawayDatabase> {
    if (isShuttingDown()) throw new Error('interrupted: no new databases are created while shutting down');
    const seconds = Math.floor(Date.now() / 1000);
    const name = `${PREFIX}${seconds}_${this.runId}_${purpose.replace(/[^a-z0-9]/g, '')}`.slice(0, 63);
    const role = await this.ensureRole(seconds);
    this.created.push(name);
    await withKeptClient(this.server.adminUrl, async (client) => {
      await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"${role ? ` OWNER "${role.name}"` : ''}`);
      // Only its owner may connect (and the server's administrators).
      await client.query(`REVOKE CONNECT, TEMPORARY ON DATABASE "${name}" FROM PUBLIC`);
    });
    const url = new URL(databaseUrl(this.server.adminUrl, name));
    if (role) {
      url.username = role.name;
      url.password = role.password;
    }
    const runnerUrl = this.runnerSocketDir
      ? `${url.protocol}//${url.username}:${url.password}@/${name}?host=${encodeURIComponent(this.runnerSocketDir)}&port=${RELAY_PORT}`
      : url.toString();
    return { name, url: url.toString(), runnerUrl };
  }

  /**
   * A copy of a database this run built (`CREATE DATABASE … TEMPLATE`): a history shared
   * by two builds is replayed once. Nothing may be connected to the template meanwhile:
   * the runner closes its connections after every request, and what a migration left
   * open is closed first.
   */
  async copy(template: ThrowawayDatabase, purpose: string): Promise<ThrowawayDatabase> {
    await disconnectAll(this.server, template.name);
    return this.create(purpose, template.name);
  }

  /** One role per run, even when its builds create their first databases at the same time. */
  private ensureRole(seconds: number): Promise<{ name: string; password: string } | null> {
    if (this.role !== undefined) return Promise.resolve(this.role);
    this.makingRole ??= this.makeRole(seconds).finally(() => {
      this.makingRole = null;
    });
    return this.makingRole;
  }

  private async makeRole(seconds: number): Promise<{ name: string; password: string } | null> {
    const role = { name: `${PREFIX}${seconds}_${this.runId}`, password: randomBytes(18).toString('hex') };
    try {
      await withKeptClient(this.server.adminUrl, (client) =>
        client.query(`CREATE ROLE "${role.name}" LOGIN PASSWORD '${role.password}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 20`),
      );
      this.role = role;
    } catch {
      this.role = null;
      return this.role;
    }
    // Temporary files (sorts, hashes spilled to disk) are capped for the role; only a
    // superuser may set this, and the role itself cannot lift it. Not every server's
    // user is a superuser: then the server's own setting stands.
    try {
      await withKeptClient(this.server.adminUrl, (client) => client.query(`ALTER ROLE "${role.name}" SET temp_file_limit = '${TEMP_FILE_LIMIT}'`));
    } catch {
      // Not a superuser: nothing more to do.
    }
    return this.role;
  }

  /** The extensions a database the analysis built has, and in which schemas (plpgsql, always there, left out). */
  async extensionsOf(database: ThrowawayDatabase): Promise<Extension[]> {
    return withClient(databaseUrl(this.server.adminUrl, database.name), async (client) => {
      const { rows } = await client.query<Extension>(
        `SELECT e.extname AS name, n.nspname AS schema FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' ORDER BY e.oid`,
      );
      return rows;
    });
  }

  /**
   * Creates extensions in `to`, in the same schemas, as the server's own user (an
   * analysis role may not create untrusted extensions). Names come from the catalog of a
   * database the analysis built, so they are quoted like any other name.
   */
  async createExtensions(to: ThrowawayDatabase, extensions: Extension[]): Promise<void> {
    if (extensions.length === 0) return;
    const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
    await withClient(databaseUrl(this.server.adminUrl, to.name), async (client) => {
      for (const extension of extensions) {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(extension.schema)}`);
        await client.query(`CREATE EXTENSION IF NOT EXISTS ${quote(extension.name)} SCHEMA ${quote(extension.schema)}`);
      }
    });
  }

  /** The analysis role its databases belong to; null before the first database, or when the server would not create one. */
  get roleName(): string | null {
    return this.role?.name ?? null;
  }

  /** A database that is no longer this run's to drop (it became a cached template). */
  forget(name: string): void {
    const index = this.created.indexOf(name);
    if (index >= 0) this.created.splice(index, 1);
  }

  /** How many databases this run created. */
  get count(): number {
    return this.created.length;
  }

  /**
   * Drops every database this run created, and its role; safe to call more than once,
   * from the analysis and from an interruption at the same time: a later call waits for
   * the drop in flight, and the interruption hook stays until everything is gone.
   */
  async dropAll(): Promise<void> {
    const names = this.created.splice(0);
    const role = this.role;
    this.role = undefined;
    const previous = this.dropping;
    this.dropping = (async () => {
      await previous;
      if (names.length === 0 && !role) return;
      // Side by side: each drop waits on removing its files, not on the others.
      // FORCE: a migration may have left a connection open.
      await Promise.all(names.map((name) => withKeptClient(this.server.adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))));
      if (role) await withKeptClient(this.server.adminUrl, (client) => client.query(`DROP ROLE IF EXISTS "${role.name}"`));
    })();
    await this.dropping;
    if (this.created.length === 0) this.unregister();
  }
}

/**
 * Ends every session on a database this run built, and waits until they are gone. A
 * migration that makes its own engine and never disposes of it (Agenta's) keeps a
 * connection open after its runner's request returned, until Python collects it; while
 * it is open, the database can be neither copied nor renamed.
 */
export async function disconnectAll(server: PostgresServer, database: string): Promise<void> {
  await withKeptClient(server.adminUrl, async (client) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { rows } = await client.query<{ ended: boolean }>(`SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [
        database,
      ]);
      if (rows.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }).catch((error: { code?: string }) => {
    // A server user that may not end the analysis role's sessions: the copy or rename says what is in the way.
    if (error.code !== INSUFFICIENT_PRIVILEGE) throw error;
  });
}

const INSUFFICIENT_PRIVILEGE = '42501';

/** Drops driftbot databases and roles older than `maxAgeMs` left by processes that died. Returns their names. */
export async function sweepStaleDatabases(server: PostgresServer, maxAgeMs = 60 * 60 * 1000): Promise<string[]> {
  return withKeptClient(server.adminUrl, async (client) => {
    const stale = (names: string[]) =>
      names.filter((name) => {
        const seconds = Number(/^driftbot_(\d{10})_/.exec(name)?.[1]);
        return Number.isFinite(seconds) && Date.now() - seconds * 1000 > maxAgeMs;
      });
    const databases = stale(
      (await client.query<{ name: string }>(`SELECT datname AS name FROM pg_database WHERE datname LIKE 'driftbot\\_%' ESCAPE '\\'`)).rows.map((r) => r.name),
    );
    for (const name of databases) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    const roles = stale((await client.query<{ name: string }>(`SELECT rolname AS name FROM pg_roles WHERE rolname LIKE 'driftbot\\_%' ESCAPE '\\'`)).rows.map((r) => r.name));
    for (const name of roles) await client.query(`DROP ROLE IF EXISTS "${name}"`).catch(() => {});
    return [...databases, ...roles];
  });
}
