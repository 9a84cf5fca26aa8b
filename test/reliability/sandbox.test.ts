/**
 * A hostile pull request: one migration that tries every probe an attacker would —
 * driftbot's private key file, its process environment through /proc, the bare-clone
 * cache, driftbot's virtualenv, the host's Postgres sockets and TCP port, /etc/shadow,
 * files outside its work folder, a process that outlives the analysis, raising its own
 * limits — and reports what it reached. Every probe must come back blocked.
 *
 * These tests need the sandbox (bubblewrap, which .ci/run and the Dockerfile install).
 * Where the machine has none, the only right behaviour is the App refusing to run
 * repository code, which the policy test at the end checks on every machine.
 */
import { describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyse } from '../../src/analysis/analyse.js';
import type { Report } from '../../src/report/report.js';
import { resolveCommit } from '../../src/workspace/git.js';
import { detectSandbox, probeSandbox } from '../../src/sandbox/sandbox.js';
import { appSandboxPolicy } from '../../src/sandbox/policy.js';
import { interpreterFolders } from '../../src/alembic/python-env.js';
import { newRepo, testServer } from '../support/analysis.js';
import { ACCOUNTS_0001, SCAFFOLD, revision, versionFile } from '../support/app-repo.js';
import { hostileMigration, PROBES } from '../support/hostile.js';

describe('the sandbox against a hostile migration', () => {
  it('reaches no key, no environment, no cache, no venv, no socket but its own, no file outside its work folder, and leaves no process', async () => {
    const status = await detectSandbox();
    expect(status, 'the sandbox must work where these tests run: install bubblewrap (.ci/run does)').toMatchObject({ available: true });
    const secrets = await mkdtemp(join(tmpdir(), 'driftbot-test-secrets-'));
    const keyFile = join(secrets, 'private-key.pem');
    await writeFile(keyFile, '-----BEGIN RSA PRIVATE KEY-----\nsecret\n-----END RSA PRIVATE KEY-----\n');
    const cacheDir = join(secrets, 'cache', 'o', 'r.git');
    await mkdir(join(cacheDir, 'hooks'), { recursive: true });
    const hostTmpFile = join(secrets, 'written-by-migration');
    const sleepMarker = `7${Date.now() % 100000}.25`;
    const python: string = inject('pythonExecutable');
    const server = testServer();
    const port = Number(new URL(server.adminUrl).port || 5432);

    const repo = await newRepo('hostile');
    await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
    await repo.branch('feature');
    const targets = {
      keyFile,
      driftbotPid: process.pid,
      cacheDir,
      serverPort: port,
      hostTmpFile,
      sleepMarker,
      interpreter: await interpreterFolders(python),
    };
    await repo.commit('hostile', {
      [versionFile('0002_hostile')]: revision(
        '0002',
        '0001',
        'hostile',
        hostileMigration(targets).trim(),
        'import json\nimport os\nimport socket\nimport subprocess\nimport sys\nfrom alembic import op\n',
      ),
    });

    const saved = { ...process.env };
    Object.assign(process.env, { PRIVATE_KEY: 'super-secret-key', WEBHOOK_SECRET: 'hook-secret', DRIFTBOT_DATABASE_URL: server.adminUrl });
    let report: Report;
    try {
      report = await analyse({
        repo: repo.dir,
        base: { ref: 'main', sha: await resolveCommit(repo.dir, 'main') },
        head: { ref: 'feature', sha: await resolveCommit(repo.dir, 'feature') },
        server,
        python,
      });
    } finally {
      process.env = saved;
    }
    expect(report.environment.sandboxed).toBe(true);
    // 0001 ran through the relay socket; 0002 says what it reached.
    const message = report.errors.find((e) => e.revision === '0002')?.message ?? '';
    const probes = JSON.parse(/PROBES (\{.*\})/.exec(message)?.[1] ?? 'null') as Record<string, string | number>;
    expect(probes, JSON.stringify(report.errors)).not.toBeNull();
    const { uid, ...rest } = probes;
    expect(uid).toBe(65534);
    const reached = Object.entries(rest).filter(([, outcome]) => !String(outcome).startsWith('blocked'));
    expect(reached).toEqual([]);
    expect(Object.keys(rest).sort()).toEqual(PROBES.sort());

    // And from the host's side: nothing written, nothing left running.
    expect(await readdir(cacheDir)).toEqual(['hooks']);
    expect(existsSync(hostTmpFile)).toBe(false);
    const site = execFileSync(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']).toString().trim();
    expect(existsSync(join(site, 'zz_driftbot_evil.pth'))).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const survivors = execFileSync('ps', ['-eo', 'args'])
      .toString()
      .split('\n')
      .filter((line) => line.trim() === `sleep ${sleepMarker}`);
    expect(survivors).toEqual([]);
  });
});

describe('where the sandbox cannot run', () => {
  it('says why, naming what to install or allow', async () => {
    const status = await probeSandbox('/nonexistent/bwrap');
    expect(status).toEqual({ available: false, reason: expect.stringContaining('install the Debian/Ubuntu package "bubblewrap"') });
  });

  it('the App runs no repository code (static check only), unless the operator opts out loudly', () => {
    const missing = { available: false as const, reason: 'bubblewrap (bwrap) is not installed' };
    const refused = appSandboxPolicy(missing, {});
    expect(refused).toMatchObject({ maxScope: 'static', warning: expect.stringContaining('only the static check ran') });
    expect(refused.startup).toContain("no pull request's code will run");
    const optedOut = appSandboxPolicy(missing, { DRIFTBOT_ALLOW_UNSANDBOXED: '1' });
    expect(optedOut).toMatchObject({ maxScope: 'full', sandbox: false, startup: expect.stringContaining('WITHOUT a sandbox') });
    expect(appSandboxPolicy({ available: true, version: '0.8.0' }, {})).toMatchObject({ maxScope: 'full', sandbox: true, warning: null });
  });
});
