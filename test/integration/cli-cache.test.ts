/**
 * `driftbot check` keeps its embedded server's data for driftbot's cache folder (in memory when there is room), so the
 * next run copies what this one built; the server itself never outlives the run.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { keptInMemory } from '../../src/memory-folder.js';
import { createSeedRepository } from '../../demo/seed-repo.js';
import { onStderr } from '../support/stderr.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('driftbot check with its own embedded server', () => {
  it('keeps the data folder between runs: the second run reuses what the first built, and reports the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftbot-test-kept-'));
    const cacheDir = join(dir, 'cache');
    // As root, the server runs as `postgres`: it must reach the folder.
    await chmod(dir, 0o755);
    const keptFolders: string[] = [];
    const saved = { url: process.env.DRIFTBOT_DATABASE_URL, cache: process.env.DRIFTBOT_CACHE_DIR };
    delete process.env.DRIFTBOT_DATABASE_URL;
    process.env.DRIFTBOT_CACHE_DIR = cacheDir;
    try {
      await createSeedRepository(join(dir, 'repo'));
      const check = async (name: string) => {
        let stderr = '';
        onStderr((text) => {
          stderr += text;
        });
        const output = join(dir, `${name}.json`);
        const code = await main(['check', '--repo', join(dir, 'repo'), '--base', 'main', '--head', 'feature', '--format', 'json', '--output', output]);
        vi.restoreAllMocks();
        expect(code, stderr).toBe(1);
        const { timings: _t, environment, ...report } = JSON.parse(await readFile(output, 'utf8'));
        return { stderr, report, server: environment.server };
      };
      const cold = await check('cold');
      expect(cold.stderr).not.toMatch(/reused/);
      // In memory when there is room (memory-folder.ts), else in the cache folder itself.
      const kept = (await keptInMemory(cacheDir)) ?? cacheDir;
      keptFolders.push(kept);
      const data = join(kept, 'postgres-17', 'data');
      expect(existsSync(join(data, 'PG_VERSION'))).toBe(true);
      // Stopped cleanly: nothing runs between runs.
      expect(existsSync(join(data, 'postmaster.pid'))).toBe(false);
      const warm = await check('warm');
      expect(warm.stderr).toMatch(/core: base: reused the kept history up to oss000000008/);
      expect(warm.stderr).toMatch(/core: reused the kept models build/);
      expect(warm.report).toEqual(cold.report);
      expect(warm.server).toBe('embedded');
      expect(existsSync(join(data, 'postmaster.pid'))).toBe(false);
      expect((await readdir(join(kept, 'postgres-17'))).sort()).toEqual(['data', 'password']);
    } finally {
      if (saved.url !== undefined) process.env.DRIFTBOT_DATABASE_URL = saved.url;
      if (saved.cache !== undefined) process.env.DRIFTBOT_CACHE_DIR = saved.cache;
      else delete process.env.DRIFTBOT_CACHE_DIR;
      await rm(dir, { recursive: true, force: true });
      for (const folder of keptFolders) await rm(folder, { recursive: true, force: true });
    }
  }, 300_000);
});
