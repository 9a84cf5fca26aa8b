/** Throwaway folders go to memory when it is a tmpfs with room; a kept one only into a folder of the user's own there. */
import { existsSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keptInMemory, makeWorkFolder, sweepStaleFolders } from '../../src/memory-folder.js';

// Each test has a memory root of its own inside /dev/shm (a tmpfs on Linux), never the shared one.
let memory: string;
beforeEach(async () => {
  memory = await mkdtemp('/dev/shm/driftbot-test-memory-');
});
afterEach(async () => {
  await rm(memory, { recursive: true, force: true });
});
const own = () => join(memory, `driftbot-${process.getuid!()}`);

describe('memory folders', () => {
  it('makes a throwaway folder (0700) in memory, and in the temporary folder when memory is not a tmpfs', async () => {
    const inMemory = await makeWorkFolder('driftbot-run-', memory);
    expect(inMemory.startsWith(`${memory}/driftbot-run-${process.pid}-`)).toBe(true);
    expect((await lstat(inMemory)).mode & 0o777).toBe(0o700);
    const onDisk = await makeWorkFolder('driftbot-run-', join(tmpdir()));
    // tmpdir() here is a disk (the test machine's /tmp), so it is used as the temporary folder, not as memory.
    expect(onDisk.startsWith(join(tmpdir(), `driftbot-run-${process.pid}-`))).toBe(true);
    await rm(onDisk, { recursive: true });
    const missing = await makeWorkFolder('driftbot-run-', join(memory, 'nowhere'));
    expect(missing.startsWith(join(tmpdir(), 'driftbot-run-'))).toBe(true);
    await rm(missing, { recursive: true });
  });

  it('puts a kept folder in a folder of the user own, one per folder on the disk', async () => {
    const disk = await mkdtemp(join(tmpdir(), 'driftbot-test-kept-'));
    const a = await keptInMemory(join(disk, 'a'), memory);
    const b = await keptInMemory(join(disk, 'b'), memory);
    expect(a?.startsWith(`${own()}/`)).toBe(true);
    expect(b?.startsWith(`${own()}/`)).toBe(true);
    expect(a).not.toBe(b);
    expect(await keptInMemory(join(disk, 'a'), memory)).toBe(a);
    expect((await lstat(own())).mode & 0o777).toBe(0o755);
    await rm(disk, { recursive: true });
  });

  it('removes a folder in memory whose folder on the disk is gone, unless a server runs in it', async () => {
    const disk = await mkdtemp(join(tmpdir(), 'driftbot-test-kept-'));
    const gone = await keptInMemory(join(disk, 'gone'), memory);
    const running = await keptInMemory(join(disk, 'running'), memory);
    const stays = await keptInMemory(join(disk, 'stays'), memory);
    await mkdir(join(running!, 'postgres-17', 'data'), { recursive: true });
    await writeFile(join(running!, 'postgres-17', 'data', 'postmaster.pid'), '123\n');
    await rm(join(disk, 'gone'), { recursive: true });
    await rm(join(disk, 'running'), { recursive: true });
    await keptInMemory(join(disk, 'stays'), memory);
    expect(existsSync(gone!)).toBe(false);
    expect(existsSync(running!)).toBe(true);
    expect(existsSync(stays!)).toBe(true);
    await rm(disk, { recursive: true });
  });

  it('removes what a killed process left in memory: old analysis folders, and temporary servers that no longer run', async () => {
    const old = Date.now() / 1000 - 3 * 60 * 60;
    const made = async (name: string, pid?: number) => {
      await mkdir(join(memory, name, 'data'), { recursive: true });
      if (pid !== undefined) await writeFile(join(memory, name, 'data', 'postmaster.pid'), `${pid}\n`);
      await utimes(join(memory, name), old, old);
    };
    await made('driftbot-run-old');
    await made('driftbot-pg-dead', 2 ** 22 + 12345);
    await made('driftbot-pg-alive', process.pid);
    await made('someone-else');
    await mkdir(join(memory, 'driftbot-run-new'));
    const removed = await sweepStaleFolders(memory);
    expect(removed.map((folder) => folder.slice(memory.length + 1)).sort()).toEqual(['driftbot-pg-dead', 'driftbot-run-old']);
    for (const name of ['driftbot-pg-alive', 'someone-else', 'driftbot-run-new']) expect(existsSync(join(memory, name)), name).toBe(true);
  });

  it('keeps a kept folder on the disk when the folder in memory is writable by others, or a link someone put there', async () => {
    await mkdir(own());
    await chmod(own(), 0o777);
    expect(await keptInMemory('/nonexistent/driftbot-cache', memory)).toBeNull();
    // Someone else's (as root, the test can make it so: nobody's).
    if (process.getuid!() === 0) {
      await chmod(own(), 0o755);
      await chown(own(), 65534, 65534);
      expect(await keptInMemory('/nonexistent/driftbot-cache', memory)).toBeNull();
    }
    await rm(own(), { recursive: true });
    await symlink(tmpdir(), own());
    expect(await keptInMemory('/nonexistent/driftbot-cache', memory)).toBeNull();
  });
});
