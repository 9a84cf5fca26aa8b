/**
 * Built databases kept across analyses on the server, as templates to copy
 * (`CREATE DATABASE … TEMPLATE`): a history a pull request shares with its base, and a
 * models build, are built once and copied by every later analysis whose inputs are
 * the same. The key is a hash of every input (cache-keys.ts); this file only keeps,
 * finds, copies and evicts.
 *
 * - A catalog table in the database `driftbot_catalog` lists them: key, repository,
 *   size, last use, and the runner's results the build produced (its runs,
 *   stand-ins), so that a copy reports exactly what a build would have.
 * - A template is built under a throwaway name by a role of its own, and renamed into
 *   the catalog only when complete: a half-built one is never found (the sweep drops
 *   it with the other leftovers). Publishing holds an advisory lock per key, so two
 *   analyses that built the same key never both publish.
 * - Templates are never shared between repositories: the repository is part of the key
 *   and of the name (`driftbot_cache_<repository>_<key>`). They belong to the server's
 *   own user and PUBLIC may not connect: analysis roles cannot read them. Their objects
 *   belong to the role `driftbot_cache` (it cannot log in), and each copy's objects are
 *   handed to the analysis role that uses it.
 * - At most `maxTemplates` and `maxBytes`: the least recently used go first.
 * - Beside the templates, the catalog keeps static scans of versions folders (rows, no
 *   databases), so that a folder git has not changed is not parsed again.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { databaseUrl, withClient, withKeptClient } from './client.js';
import type { PostgresServer } from './server.js';
import { disconnectAll, type ThrowawayDatabase, type ThrowawayDatabases } from './throwaway.js';

export const CATALOG_DATABASE = 'driftbot_catalog';
/** Owns the objects inside templates; NOLOGIN. */
export const CACHE_ROLE = 'driftbot_cache';
const NAME_PREFIX = 'driftbot_cache_';

export interface CacheLimits {
  maxTemplates: number;
  maxBytes: number;
}

/** invalid_catalog_name (the catalog database is not there) and undefined_table. */
const NO_DATABASE = '3D000';
const NO_TABLE = '42P01';

/** Scans kept at most, the server's: a few kilobytes each, a row per versions folder and commit that changed it. */
const MAX_SCANS = 2000;
/** Revision files' readings kept at most, the server's: a few hundred bytes each, a row per file version. */
const MAX_SCANNED_FILES = 50_000;

export const DEFAULT_CACHE_LIMITS: CacheLimits = { maxTemplates: 50, maxBytes: 4 * 1024 ** 3 };

export interface CachedTemplate<T> {
  key: string;
  name: string;
  /** What the build that made it reported (runs, stand-ins…), as it was published. */
  result: T;
}

export class TemplateCache {
  private readonly repositoryTag: string;

  /** `repository` names the repository (a path, owner/name): only its own templates are ever found. */
  constructor(
    private readonly server: PostgresServer,
    private readonly repository: string,
    private readonly limits: CacheLimits = DEFAULT_CACHE_LIMITS,
  ) {
    this.repositoryTag = createHash('sha256').update(repository).digest('hex').slice(0, 12);
  }

  nameOf(key: string): string {
    return `${NAME_PREFIX}${this.repositoryTag}_${key.slice(0, 32)}`;
  }

  /**
   * Of `keys`, the last one that is cached (callers list keys shortest history first,
   * so this is the longest), marked as used; null when none is, or there is no catalog yet.
   */
  /** Lookups this cache answered with a kept build (whole or a part to build on), and those it could not: the App's cache metric. */
  readonly lookups = { hits: 0, misses: 0 };

  async find<T>(keys: string[], { counted = true }: { counted?: boolean } = {}): Promise<CachedTemplate<T> | null> {
    const found = await this.lookUp<T>(keys);
    if (counted) this.lookups[found ? 'hits' : 'misses']++;
    return found;
  }

  private async lookUp<T>(keys: string[]): Promise<CachedTemplate<T> | null> {
    if (keys.length === 0) return null;
    // Straight to the catalog: none yet, or one being made (another publisher, or this
    // analysis keeping a scan, between creating it and its tables), has nothing kept.
    return withKeptClient(this.catalogUrl(), async (client) => {
      const { rows } = await client.query<{ key: string; name: string; result: T }>(
        `SELECT t.key, t.name, t.result FROM templates t WHERE t.repository = $1 AND t.key = ANY($2::text[])`,
        [this.repository, keys],
      );
      // pg_database is shared by every database of the server: asked on this connection.
      const present = new Set(
        (await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname = ANY($1::text[])`, [rows.map((r) => r.name)])).rows.map((r) => r.datname),
      );
      // A row whose database is gone (dropped by hand) is forgotten, never used.
      const gone = rows.filter((r) => !present.has(r.name));
      if (gone.length) await client.query(`DELETE FROM templates WHERE name = ANY($1::text[])`, [gone.map((r) => r.name)]);
      const best = rows.filter((r) => present.has(r.name)).sort((a, b) => keys.indexOf(b.key) - keys.indexOf(a.key))[0];
      if (!best) return null;
      await client.query(`UPDATE templates SET used = clock_timestamp() WHERE key = $1`, [best.key]);
      return best;
    }).catch((error: { code?: string }) => {
      if (error.code === NO_DATABASE || error.code === NO_TABLE) return null;
      throw error;
    });
  }

  /**
   * A copy of a template for this analysis, owned by its role, objects included. Null
   * when the template went meanwhile (evicted by another analysis): then build instead.
   */
  async copy(template: CachedTemplate<unknown>, databases: ThrowawayDatabases, purpose: string): Promise<ThrowawayDatabase | null> {
    let copy: ThrowawayDatabase;
    try {
      copy = await databases.create(purpose, template.name);
    } catch (error) {
      if (/does not exist/.test((error as Error).message)) return null;
      throw error;
    }
    await withClient(databaseUrl(this.server.adminUrl, copy.name), async (client) => {
      const owner = databases.roleName;
      const { rows } = await client.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [CACHE_ROLE]);
      if (rows.length) await client.query(`REASSIGN OWNED BY ${CACHE_ROLE} TO ${owner ? quote(owner) : 'CURRENT_USER'}`);
    });
    return copy;
  }

  /**
   * Makes `built` (a complete build, by `builder`'s own role, with nothing connected to
   * it) the template of `key`. Returns false, and leaves `built` as it is, when the key
   * was published meanwhile by another analysis or the server refuses (then nothing is cached).
   */
  async publish(built: ThrowawayDatabase, builder: ThrowawayDatabases, key: string, kind: string, result: unknown): Promise<boolean> {
    await this.ensureCatalog();
    const name = this.nameOf(key);
    const published = await withKeptClient(this.catalogUrl(), async (catalog) => {
      // One publisher per key: the second waits here, then finds the first's row.
      await catalog.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [key]);
      try {
        const { rows } = await catalog.query(`SELECT 1 FROM templates WHERE key = $1`, [key]);
        if (rows.length && (await this.existingDatabases([name])).length) return false;
        // Nothing may be connected to it when it is renamed: what a migration left open goes first.
        await disconnectAll(this.server, built.name);
        const role = builder.roleName;
        // Before taking an administration connection: it takes one of its own.
        if (role) await this.ensureCacheRole();
        const size = await withKeptClient(this.server.adminUrl, async (admin) => {
          await admin.query(`ALTER DATABASE ${quote(built.name)} OWNER TO CURRENT_USER`);
          if (role) {
            await withClient(databaseUrl(this.server.adminUrl, built.name), async (client) => {
              await client.query(`REASSIGN OWNED BY ${quote(role)} TO ${CACHE_ROLE}`);
              await client.query(`DROP OWNED BY ${quote(role)}`);
            });
          }
          // A database of this name without a row was left by a publisher that died halfway.
          await admin.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`);
          await admin.query(`ALTER DATABASE ${quote(built.name)} RENAME TO ${quote(name)}`);
          return admin.query<{ bytes: string }>(`SELECT pg_database_size($1) AS bytes`, [name]);
        });
        builder.forget(built.name);
        await catalog.query(
          `INSERT INTO templates (key, name, repository, kind, bytes, result) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, bytes = EXCLUDED.bytes, result = EXCLUDED.result, used = clock_timestamp()`,
          [key, name, this.repository, kind, Number(size.rows[0]?.bytes ?? 0), JSON.stringify(result)],
        );
        return true;
      } finally {
        await catalog.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [key]);
      }
    });
    if (published) await this.evict();
    return published;
  }

  /**
   * A versions folder's static scan kept under `key` (analysis/scan-cache.ts): a row in
   * the catalog, no database. Null when none is kept, or there is no catalog yet.
   */
  async findScan<T>(key: string): Promise<T | null> {
    const rows = await this.readRows((client) =>
      client.query<{ result: T }>(`UPDATE scans SET used = clock_timestamp() WHERE key = $1 AND repository = $2 RETURNING result`, [key, this.repository]),
    );
    return rows[0]?.result ?? null;
  }

  /** Keeps a scan under `key`; past `MAX_SCANS` (the server's), the least recently used go. */
  async keepScan(key: string, result: unknown): Promise<void> {
    await this.writeRows(async (client) => {
      await client.query(`INSERT INTO scans (key, repository, result) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`, [key, this.repository, JSON.stringify(result)]);
      await client.query(`DELETE FROM scans WHERE key IN (SELECT key FROM scans ORDER BY used DESC OFFSET $1)`, [MAX_SCANS]);
    });
  }

  /**
   * Revision files' readings kept under `keys` (analysis/scan-cache.ts), by key: those
   * kept, none when there is no catalog (or no such table) yet.
   */
  async findScannedFiles<T>(keys: string[]): Promise<Map<string, T>> {
    if (keys.length === 0) return new Map();
    const rows = await this.readRows((client) =>
      client.query<{ key: string; result: T }>(`SELECT key, result FROM scanned_files WHERE repository = $1 AND key = ANY($2::text[])`, [this.repository, keys]),
    );
    return new Map(rows.map((row) => [row.key, row.result]));
  }

  /** Keeps revision files' readings (those kept already count as used now); past `MAX_SCANNED_FILES` (the server's), the least recently used go. */
  async keepScannedFiles(files: { key: string; result: unknown }[]): Promise<void> {
    if (files.length === 0) return;
    await this.writeRows(async (client) => {
      await client.query(
        `INSERT INTO scanned_files (key, repository, result)
           SELECT key, $1, result FROM unnest($2::text[], $3::jsonb[]) AS f(key, result)
         ON CONFLICT (key) DO UPDATE SET used = clock_timestamp()`,
        [this.repository, files.map((f) => f.key), files.map((f) => JSON.stringify(f.result))],
      );
      await client.query(`DELETE FROM scanned_files WHERE key IN (SELECT key FROM scanned_files ORDER BY used DESC OFFSET $1)`, [MAX_SCANNED_FILES]);
    });
  }

  /**
   * Rows read on one connection, straight to the catalog: no catalog (yet), or one made
   * before this table was, has nothing kept.
   */
  private readRows<R>(read: (client: pg.PoolClient) => Promise<{ rows: R[] }>): Promise<R[]> {
    return withKeptClient(this.catalogUrl(), read).then(
      (result) => result.rows,
      (error: { code?: string }) => {
        if (error.code === NO_DATABASE || error.code === NO_TABLE) return [];
        throw error;
      },
    );
  }

  /** Rows written to the catalog, made (or given its tables) only when it lacks them: the common case is one connection. */
  private async writeRows(write: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const attempt = () => withKeptClient(this.catalogUrl(), write);
    await attempt().catch(async (error: { code?: string }) => {
      if (error.code !== NO_DATABASE && error.code !== NO_TABLE) throw error;
      await this.ensureCatalog();
      await attempt();
    });
  }

  /** Drops the least recently used templates past the limits (every repository's: the bound is the server's). */
  async evict(): Promise<string[]> {
    const dropped = await withKeptClient(this.catalogUrl(), async (client) => {
      const { rows } = await client.query<{ name: string; bytes: string }>(`SELECT name, bytes FROM templates ORDER BY used DESC`);
      let count = 0;
      let bytes = 0;
      const over: string[] = [];
      for (const row of rows) {
        count++;
        bytes += Number(row.bytes);
        if (count > this.limits.maxTemplates || bytes > this.limits.maxBytes) over.push(row.name);
      }
      if (over.length) await client.query(`DELETE FROM templates WHERE name = ANY($1::text[])`, [over]);
      return over;
    });
    if (dropped.length) await withKeptClient(this.server.adminUrl, async (admin) => dropDatabases(admin, dropped));
    return dropped;
  }

  private catalogUrl(): string {
    return databaseUrl(this.server.adminUrl, CATALOG_DATABASE);
  }

  private async catalogExists(): Promise<boolean> {
    return (await this.existingDatabases([CATALOG_DATABASE])).length > 0;
  }

  private existingDatabases(names: string[]): Promise<string[]> {
    return withKeptClient(this.server.adminUrl, async (client) => {
      const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname = ANY($1::text[])`, [names]);
      return rows.map((r) => r.datname);
    });
  }

  /** Made (or found made) once per instance: an analysis publishes several templates. */
  private catalogReady: Promise<void> | null = null;
  private cacheRoleReady: Promise<void> | null = null;

  private ensureCatalog(): Promise<void> {
    this.catalogReady ??= this.makeCatalog().catch((error: unknown) => {
      this.catalogReady = null;
      throw error;
    });
    return this.catalogReady;
  }

  private async makeCatalog(): Promise<void> {
    if (!(await this.catalogExists())) {
      await withKeptClient(this.server.adminUrl, async (client) => {
        // Two first publishers (two analyses, or one analysis' two scans) may race here: one
        // at a time, or their REVOKEs fail with "tuple concurrently updated".
        await client.query(`SELECT pg_advisory_lock(hashtext($1))`, [CATALOG_DATABASE]);
        try {
          await client.query(`CREATE DATABASE ${CATALOG_DATABASE} TEMPLATE template0`).catch(ignoreDuplicate);
          await client.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${CATALOG_DATABASE} FROM PUBLIC`);
        } finally {
          await client.query(`SELECT pg_advisory_unlock(hashtext($1))`, [CATALOG_DATABASE]);
        }
      });
    }
    await withKeptClient(this.catalogUrl(), async (client) => {
      await client.query(`SELECT pg_advisory_lock(0)`);
      try {
        await client.query(`REVOKE ALL ON SCHEMA public FROM PUBLIC`);
        await client.query(`CREATE TABLE IF NOT EXISTS templates (
          key text PRIMARY KEY,
          name text NOT NULL UNIQUE,
          repository text NOT NULL,
          kind text NOT NULL,
          bytes bigint NOT NULL,
          result jsonb NOT NULL,
          created timestamptz NOT NULL DEFAULT clock_timestamp(),
          used timestamptz NOT NULL DEFAULT clock_timestamp()
        )`);
        // Rows, no databases: versions folders' scans, and each revision file's reading.
        for (const table of ['scans', 'scanned_files']) {
          await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
            key text PRIMARY KEY,
            repository text NOT NULL,
            result jsonb NOT NULL,
            used timestamptz NOT NULL DEFAULT clock_timestamp()
          )`);
        }
        await client.query(`CREATE INDEX IF NOT EXISTS scanned_files_used ON scanned_files (used)`);
      } finally {
        await client.query(`SELECT pg_advisory_unlock(0)`);
      }
    });
  }

  private ensureCacheRole(): Promise<void> {
    this.cacheRoleReady ??= withKeptClient(this.server.adminUrl, (client) => client.query(`CREATE ROLE ${CACHE_ROLE} NOLOGIN`))
      .catch(ignoreDuplicate)
      .then(
        () => {},
        (error: unknown) => {
          this.cacheRoleReady = null;
          throw error;
        },
      );
    return this.cacheRoleReady;
  }
}

/**
 * Removes every template, the catalog and the cache role from a server (README "How it
 * works"): what `--no-cache` would never have made. Returns the databases dropped.
 */
export async function clearTemplateCache(server: PostgresServer): Promise<string[]> {
  return withKeptClient(server.adminUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'driftbot\\_cache\\_%' ESCAPE '\\' OR datname = $1`, [
      CATALOG_DATABASE,
    ]);
    const names = rows.map((r) => r.datname);
    await dropDatabases(client, names);
    await client.query(`DROP ROLE IF EXISTS ${CACHE_ROLE}`);
    return names;
  });
}

async function dropDatabases(client: { query: (sql: string) => Promise<unknown> }, names: string[]): Promise<void> {
  for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`);
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** duplicate_database, duplicate_object, or the unique index of a catalog behind them. */
function ignoreDuplicate(error: { code?: string }): void {
  if (error.code !== '42P04' && error.code !== '42710' && error.code !== '23505') throw error;
}
