/**
 * The embedded server's kept data folders: a cache (the CLI's templates) gives way to a
 * temporary server when another driftbot holds it; a store (the job queue) never does,
 * and says which folder and setting are at fault.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withClient } from '../../src/postgres/client.js';
import { openServer, walLimits, walSegmentMb, type PostgresServer } from '../../src/postgres/server.js';
import { keptInMemory } from '../../src/memory-folder.js';
import { packageRoot } from '../../src/package-root.js';
import { createSeedRepository } from '../../demo/seed-repo.js';
import { processAlive } from '../support/processes.js';

const started: PostgresServer[] = [];
const folders: string[] = [];

async function folder(): Promise<string> {
  // Not under /root: as root, the server runs as `postgres`, which must reach the folder.
  const made = await mkdtemp(join(tmpdir(), 'driftbot-server-test-'));
  await chmod(made, 0o755);
  folders.push(made);
  return made;
}

async function open(...args: Parameters<typeof openServer>): Promise<PostgresServer> {
  const server = await openServer(...args);
  started.push(server);
  return server;
}

afterEach(async () => {
  for (const server of started.splice(0)) await server.stop();
  for (const made of folders.splice(0)) await rm(made, { recursive: true, force: true });
});

describe('the embedded server', () => {
  it('a cache another driftbot holds: this run gets a temporary server instead, and says so', async () => {
    const cache = await folder();
    const first = await open({ data: { folder: cache, as: 'cache' } });
    const said: string[] = [];
    const second = await open({ data: { folder: cache, as: 'cache' }, log: (line) => said.push(line) });
    expect(second.adminUrl).not.toBe(first.adminUrl);
    // The first is in the kept folder (in memory when there is room), the second is not.
    const kept = (await keptInMemory(cache)) ?? cache;
    expect(first.socketDir?.startsWith(kept)).toBe(true);
    expect(second.socketDir?.startsWith(kept)).toBe(false);
    expect(said.join('\n')).toContain('is in use by another driftbot');
    for (const server of [first, second]) await withClient(server.adminUrl, (client) => client.query('SELECT 1'));
  });

  it('a cache whose driftbot was killed: its orphaned server is stopped, and the folder is used again', async () => {
    const cache = await folder();
    const dir = await mkdtemp(join(tmpdir(), 'driftbot-test-orphan-'));
    folders.push(dir);
    await createSeedRepository(join(dir, 'repo'));
    const env: NodeJS.ProcessEnv = { ...process.env, DRIFTBOT_CACHE_DIR: cache };
    delete env.DRIFTBOT_DATABASE_URL;
    const args = ['check', '--repo', join(dir, 'repo'), '--base', 'main', '--head', 'feature', '--format', 'json'];
    const child = spawn(process.execPath, [join(packageRoot(), 'bin/driftbot'), ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    // Killed once its server runs: no clean-up of any kind.
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/PostgreSQL \d/.test(stderr)) resolve();
      });
      child.on('exit', () => reject(new Error(`exited before its server ran:\n${stderr}`)));
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const data = join((await keptInMemory(cache)) ?? cache, 'postgres-17', 'data');
    const orphan = Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    expect(processAlive(orphan)).toBe(true);
    const said: string[] = [];
    const server = await open({ data: { folder: cache, as: 'cache' }, log: (line) => said.push(line) });
    expect(said.join('\n')).toContain('its server outlived the driftbot that started it, and was stopped');
    expect(said.join('\n')).not.toContain('is in use by another driftbot');
    expect(processAlive(orphan)).toBe(false);
    expect(server.socketDir?.startsWith(join(data, '..'))).toBe(true);
    await withClient(server.adminUrl, (client) => client.query('SELECT 1'));
    // What else the killed process left (its analysis folder, named by its id) is the sweep's, hours later: removed here now.
    for (const where of ['/dev/shm', tmpdir()]) {
      const left = (await readdir(where).catch(() => [])).filter((name) => name.startsWith(`driftbot-run-${child.pid}-`));
      await Promise.all(left.map((name) => rm(join(where, name), { recursive: true, force: true })));
    }
  }, 120_000);

  it('a store another driftbot holds: an error naming the folder and DRIFTBOT_DATA_DIR, never a silent replacement', async () => {
    const store = join(await folder(), 'queue-postgres');
    const first = await open({ data: { folder: store, as: 'store' } });
    expect(first.label).toBe(`embedded (${store})`);
    await expect(open({ data: { folder: store, as: 'store' } })).rejects.toThrow(
      `${store} (DRIFTBOT_DATA_DIR) is in use by another driftbot's Postgres server: give this one its own DRIFTBOT_DATA_DIR`,
    );
  });

  it('a store whose password file is gone: says which file, and keeps the data', async () => {
    const store = join(await folder(), 'queue-postgres');
    await (await open({ data: { folder: store, as: 'store' } })).stop();
    await writeFile(join(store, 'password'), '');
    await expect(open({ data: { folder: store, as: 'store' } })).rejects.toThrow(`${join(store, 'password')} is missing or empty`);
    expect(existsSync(join(store, 'data', 'PG_VERSION'))).toBe(true);
  });
});

describe('write-ahead log limits', () => {
  it('reads a cluster’s segment size off its segment files, and keeps limits it accepts (two segments at the least)', async () => {
    const data = await mkdtemp(join(tmpdir(), 'driftbot-test-wal-'));
    try {
      // A cluster made before segments were small: 16 MB ones.
      await mkdir(join(data, 'pg_wal', 'archive_status'), { recursive: true });
      await writeFile(join(data, 'pg_wal', '000000010000000000000003'), '');
      await truncate(join(data, 'pg_wal', '000000010000000000000003'), 16 * 1024 ** 2);
      expect(await walSegmentMb(data)).toBe(16);
      expect(walLimits(16)).toEqual(['-c', 'min_wal_size=32MB', '-c', 'max_wal_size=64MB']);
      // None found: Postgres' default, so that the limits are never below what it accepts.
      expect(await walSegmentMb(join(data, 'missing'))).toBe(16);
      expect(walLimits(1)).toEqual(['-c', 'min_wal_size=4MB', '-c', 'max_wal_size=32MB']);
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it('gives a new non-durable cluster 1 MB segments and small limits', async () => {
    const server = await openServer();
    try {
      const settings = await withClient(server.adminUrl, async (client) =>
        (
          await client.query<{ name: string; setting: string; unit: string | null }>(
            `SELECT name, setting, unit FROM pg_settings WHERE name IN ('wal_segment_size', 'min_wal_size', 'max_wal_size') ORDER BY name`,
          )
        ).rows.map((r) => `${r.name}=${r.setting}${r.unit ?? ''}`),
      );
      expect(settings).toEqual(['max_wal_size=32MB', 'min_wal_size=4MB', 'wal_segment_size=1048576B']);
    } finally {
      await server.stop();
    }
  });
});
