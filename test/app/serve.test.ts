/** `driftbot serve` without credentials starts Probot's setup flow (registering the app from app.yml). */
import { describe, expect, it, inject } from 'vitest';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('driftbot serve', () => {
  it('without APP_ID, serves Probot’s setup page', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'driftbot-test-serve-'));
    // As root, the embedded Postgres runs as `postgres`, which must reach its data folder in here.
    await chmod(cwd, 0o755);
    const port = await freePort();
    // The queue's embedded Postgres keeps its data in the test's folder, removed after.
    const env = { ...process.env, PORT: String(port), DRIFTBOT_DATABASE_URL: inject('postgresUrl'), DRIFTBOT_DATA_DIR: join(cwd, 'data'), LOG_LEVEL: 'warn' } as NodeJS.ProcessEnv;
    delete env.DRIFTBOT_QUEUE_URL;
    delete env.APP_ID;
    delete env.PRIVATE_KEY;
    const child = spawn(process.execPath, [join(packageRoot(), 'bin/driftbot'), 'serve'], { cwd, env, stdio: 'ignore' });
    try {
      let page = '';
      for (let i = 0; i < 50 && !page; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        page = await fetch(`http://127.0.0.1:${port}/probot`).then(
          (r) => (r.ok ? r.text() : ''),
          () => '',
        );
      }
      expect(page).toMatch(/Register GitHub App/i);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('refuses to serve in production without a WEBHOOK_SECRET', async () => {
    const env = { ...process.env, NODE_ENV: 'production', DRIFTBOT_DATABASE_URL: inject('postgresUrl') } as NodeJS.ProcessEnv;
    delete env.WEBHOOK_SECRET;
    const child = spawn(process.execPath, [join(packageRoot(), 'bin/driftbot'), 'serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('WEBHOOK_SECRET is not set');
  });
});
