/**
 * Folders in memory (a tmpfs) for what driftbot writes only to throw away or to rebuild:
 * an analysis' checkouts, and the embedded Postgres server's data. On a disk, creating
 * and removing a small file costs up to a millisecond of the kernel's time (a journal
 * entry each), and both are made of many small files: a 500-revision checkout took
 * 350 ms to write and 100 ms to remove, and every `CREATE DATABASE` (some 300 files,
 * even for an empty one) 270–470 ms, against 15 ms in memory. So they go to /dev/shm
 * when it is a tmpfs with room to spare, and to the disk otherwise (a container's
 * 64 MB /dev/shm, a system without one).
 */
import { createHash } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { access, lstat, mkdir, mkdtemp, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SHARED_MEMORY = '/dev/shm';
/** `statfs`' f_type of a tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;
const GiB = 1024 ** 3;
/** Free room a temporary folder needs there: the trees are small (just what the builds need), a project's may not be, nor what its migrations write. */
const ROOM_FOR_WORK = 2 * GiB;
/** Free room a kept server needs there: its template cache may grow to 4 GiB (template-cache.ts), and the analyses' databases come on top. */
const ROOM_FOR_KEPT_SERVER = 6 * GiB;

/**
 * A new folder, 0700, named `prefix`, this process' id and a random part
 * (`driftbot-run-4242-Ab3dEf`: whose it is shows in a listing): in memory (`memory`,
 * /dev/shm but in tests) when it fits, else in the temporary folder.
 */
export async function makeWorkFolder(prefix: string, memory = SHARED_MEMORY): Promise<string> {
  const name = `${prefix}${process.pid}-`;
  if (!(await hasRoom(memory, ROOM_FOR_WORK))) return mkdtemp(join(tmpdir(), name));
  if (!swept) {
    swept = true;
    // Off the analysis' way: it removes only what is hours old.
    sweepStaleFolders(memory).catch(() => {});
  }
  return mkdtemp(join(memory, name));
}

let swept = false;
/** Older than any analysis (30 minutes at most) by far. */
const STALE_MS = 2 * 60 * 60 * 1000;

/**
 * Removes what a process that was killed (SIGKILL, out of memory) left in memory, where
 * it would stay until the machine restarts: analysis folders older than any analysis,
 * and temporary servers' data whose server no longer runs. Only this user's.
 */
export async function sweepStaleFolders(memory = SHARED_MEMORY, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(memory).catch(() => [])) {
    if (!name.startsWith('driftbot-run-') && !name.startsWith('driftbot-pg-')) continue;
    const folder = join(memory, name);
    const stats = await lstat(folder).catch(() => null);
    if (!stats?.isDirectory() || stats.uid !== process.getuid?.() || now - stats.mtimeMs < STALE_MS) continue;
    if (name.startsWith('driftbot-pg-') && (await serverRuns(join(folder, 'data')))) continue;
    await rm(folder, { recursive: true, force: true });
    removed.push(folder);
  }
  return removed;
}

/** Whether the postmaster of a data folder is alive. */
async function serverRuns(data: string): Promise<boolean> {
  const pid = Number.parseInt((await readFile(join(data, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Where in memory a folder kept between runs (`folder`, on the disk) goes instead, or
 * null when it stays on the disk. Each user has a folder of their own there, made by
 * them and writable by no one else: /dev/shm is everyone's, and a folder someone else
 * made first (or a link) is never used. Readable by others (0755): as root, the
 * embedded server runs as the `postgres` user, which must reach its data.
 *
 * Each names the folder it stands for (`origin`): one whose folder on the disk is gone
 * (its cache deleted, a test's temporary folder) is removed here, unless a server runs
 * in it, so memory never holds a cache nobody can use.
 */
export async function keptInMemory(folder: string, memory = SHARED_MEMORY): Promise<string | null> {
  if (!(await hasRoom(memory, ROOM_FOR_KEPT_SERVER))) return null;
  const own = join(memory, `driftbot-${process.getuid?.() ?? 'user'}`);
  await mkdir(own, { mode: 0o755 }).catch(() => {});
  const stats = await lstat(own).catch(() => null);
  if (!stats?.isDirectory() || stats.uid !== process.getuid?.() || (stats.mode & 0o022) !== 0) return null;
  await removeOrphans(own);
  // One folder in memory per folder on the disk: two DRIFTBOT_CACHE_DIRs stay two caches.
  const origin = resolve(folder);
  const twin = join(own, createHash('sha256').update(origin).digest('hex').slice(0, 16));
  await mkdir(origin, { recursive: true });
  await mkdir(twin, { recursive: true, mode: 0o755 });
  await writeFile(join(twin, ORIGIN), `${origin}\n`);
  return twin;
}

const ORIGIN = 'origin';

/** Folders in `own` whose folder on the disk is gone, and in which no server runs now. */
async function removeOrphans(own: string): Promise<void> {
  for (const name of await readdir(own).catch(() => [])) {
    const twin = join(own, name);
    const origin = (await readFile(join(twin, ORIGIN), 'utf8').catch(() => null))?.trim();
    // Without one: being made by another process this moment, or made before origins were written.
    const made = (await lstat(twin).catch(() => null))?.mtimeMs ?? Date.now();
    if (origin ? existsSync(origin) : Date.now() - made < 60_000) continue;
    const servers = await readdir(twin).catch(() => []);
    if (servers.some((server) => existsSync(join(twin, server, 'data', 'postmaster.pid')))) continue;
    await rm(twin, { recursive: true, force: true });
  }
}

/** Whether `memory` is a tmpfs we may write, with `bytes` free. */
async function hasRoom(memory: string, bytes: number): Promise<boolean> {
  try {
    await access(memory, constants.W_OK | constants.X_OK);
    const stats = await statfs(memory);
    return stats.type === TMPFS_MAGIC && stats.bavail * stats.bsize >= bytes;
  } catch {
    return false;
  }
}
