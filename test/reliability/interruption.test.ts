/**
 * Interrupted analyses leave nothing behind: Ctrl-C (SIGINT) or SIGTERM in the middle
 * of a build drops the run's databases; a database a killed process left is swept at
 * the next start once it is an hour old.
 */
import { describe, expect, it, inject } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSeedRepository, VERSIONS } from '../../demo/seed-repo.js';
import { withClient } from '../../src/postgres/client.js';
import { sweepStaleDatabases } from '../../src/postgres/throwaway.js';
import { analyse } from '../../src/analysis/analyse.js';
import { resolveCommit } from '../../src/workspace/git.js';
import { packageRoot } from '../../src/package-root.js';
import { databasesOfRun, testServer } from '../support/analysis.js';
import { revision } from '../support/app-repo.js';

describe('interruption', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s during a build drops the run’s databases and exits at once', async (signal) => {
    const started = Date.now();
    const dir = await mkdtemp(join(tmpdir(), 'driftbot-test-interrupt-'));
    try {
      const seed = await createSeedRepository(dir);
      await seed.repo.checkout('feature');
      // A slow migration on head, so the signal lands while databases exist.
      await seed.repo.commit('slow', { [`${VERSIONS}/oss000000010_slow.py`]: revision('oss000000010', 'oss000000008', 'slow', 'op.execute("SELECT pg_sleep(30)")') });
      const child = spawn(
        process.execPath,
        [
          join(packageRoot(), 'bin/driftbot'),
          'check',
          '--repo',
          dir,
          '--base',
          'main',
          '--head',
          'feature',
          '--database-url',
          inject('postgresUrl'),
          '--no-cache',
          '--format',
          'json',
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      const runId = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const id = /run ([0-9a-f]{8}):/.exec(stderr)?.[1];
          if (id && /fresh: applying/.test(stderr)) resolve(id);
        });
        child.on('exit', () => reject(new Error(`exited early:\n${stderr}`)));
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const during = await databasesOfRun(testServer(), runId);
      expect(during.length).toBeGreaterThan(0);
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill(signal);
      expect(await exit).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(stderr).toContain('interrupted, cleaning up');
      expect(await databasesOfRun(testServer(), runId)).toEqual([]);
      // The 30 s migration was cut short, not waited for.
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an analysis past its time limit is stopped, says so, and leaves nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftbot-test-deadline-'));
    try {
      const seed = await createSeedRepository(dir);
      await seed.repo.checkout('feature');
      await seed.repo.commit('slow', { [`${VERSIONS}/oss000000010_slow.py`]: revision('oss000000010', 'oss000000008', 'slow', 'op.execute("SELECT pg_sleep(60)")') });
      const started = Date.now();
      const report = await analyse({
        repo: dir,
        base: { ref: 'main', sha: await resolveCommit(dir, 'main') },
        head: { ref: 'feature', sha: await resolveCommit(dir, 'feature') },
        server: testServer(),
        timeoutMs: 3000,
      });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(report.status).toBe('error');
      expect(report.errors).toEqual([{ message: 'the analysis took longer than its limit of 3 s and was stopped', path: null, revision: null }]);
      expect(await databasesOfRun(testServer(), report.environment.runId)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sweeps databases a killed process left, once they are an hour old', async () => {
    const server = testServer();
    const old = `driftbot_${Math.floor(Date.now() / 1000) - 7200}_deadbeef_fresh`;
    const recent = `driftbot_${Math.floor(Date.now() / 1000)}_cafecafe_fresh`;
    await withClient(server.adminUrl, async (client) => {
      await client.query(`CREATE DATABASE "${old}"`);
      await client.query(`CREATE DATABASE "${recent}"`);
    });
    try {
      const swept = await sweepStaleDatabases(server);
      expect(swept).toContain(old);
      expect(swept).not.toContain(recent);
    } finally {
      await withClient(server.adminUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${old}"`);
        await client.query(`DROP DATABASE IF EXISTS "${recent}"`);
      });
    }
  });
});
