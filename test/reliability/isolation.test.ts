/**
 * What the pull request's migrations can reach in Postgres: their own databases, as a
 * role made for the analysis — not other analyses' databases, not new databases or
 * roles — and nothing of driftbot's environment.
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { ThrowawayDatabases } from '../../src/postgres/throwaway.js';
import { withClient } from '../../src/postgres/client.js';
import { check, newRepo, testServer } from '../support/analysis.js';
import { ACCOUNTS_0001, SCAFFOLD, revision, versionFile } from '../support/app-repo.js';

async function attempt(url: string, sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query(sql);
    return 'allowed';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

describe('Postgres isolation', () => {
  it('an analysis’s role owns its databases and reaches nothing else', async () => {
    const mine = new ThrowawayDatabases(testServer());
    const theirs = new ThrowawayDatabases(testServer());
    try {
      const a = await mine.create('a');
      const b = await theirs.create('b');
      expect(mine.isolated).toBe(true);
      expect(new URL(a.url).username).toBe(`driftbot_${a.name.split('_')[1]}_${mine.runId}`);
      expect(await attempt(a.url, 'CREATE TABLE t (id int)')).toBe('allowed');
      expect(await attempt(a.url, 'CREATE DATABASE escape')).toMatch(/permission denied/);
      expect(await attempt(a.url, 'CREATE ROLE escape')).toMatch(/permission denied/);
      expect(await attempt(a.url, 'ALTER ROLE CURRENT_USER SUPERUSER')).toMatch(/permission denied|must be superuser/);
      const intoTheirs = new URL(b.url);
      intoTheirs.username = new URL(a.url).username;
      intoTheirs.password = new URL(a.url).password;
      expect(await attempt(intoTheirs.toString(), 'SELECT 1')).toMatch(/permission denied for database/);
    } finally {
      await mine.dropAll();
      await theirs.dropAll();
    }
    const roles = await withClient(testServer().adminUrl, async (client) => (await client.query(`SELECT rolname FROM pg_roles WHERE rolname LIKE $1`, [`%${mine.runId}%`])).rows);
    expect(roles).toEqual([]);
  });

  it('a migration looking for secrets in its environment finds none of driftbot’s', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { PRIVATE_KEY: 'super-secret-key', WEBHOOK_SECRET: 'hook-secret', GITHUB_TOKEN: 'ghs_token', DRIFTBOT_DATABASE_URL: testServer().adminUrl });
    try {
      const repo = await newRepo('secrets');
      await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
      await repo.branch('feature');
      await repo.commit('nosy', {
        [versionFile('0002_nosy')]: revision(
          '0002',
          '0001',
          'nosy',
          'raise RuntimeError("ENV " + json.dumps(dict(os.environ)) + " URL " + context.config.get_main_option("sqlalchemy.url"))',
          'import json\nimport os\nfrom alembic import context, op\n',
        ),
      });
      const report = await check(repo);
      const seen = report.errors[0]!.message;
      expect(seen).toContain('ENV');
      for (const secret of [
        'super-secret-key',
        'hook-secret',
        'ghs_token',
        new URL(testServer().adminUrl).password || 'no-admin-password',
        'PRIVATE_KEY',
        'DRIFTBOT_DATABASE_URL',
      ]) {
        expect(seen).not.toContain(secret);
      }
      // The only credentials it sees are its own role's, for its own database.
      expect(seen).toMatch(/URL postgresql\+psycopg:\/\/driftbot_\d+_[0-9a-f]{8}:/);
    } finally {
      process.env = saved;
    }
  });
});

describe('network isolation', () => {
  it('with the embedded server, the sandboxed runner has no network and reaches Postgres only through its relay socket', async () => {
    const { openServer } = await import('../../src/postgres/server.js');
    const { analyse } = await import('../../src/analysis/analyse.js');
    const { resolveCommit } = await import('../../src/workspace/git.js');
    const server = await openServer();
    try {
      const port = new URL(server.adminUrl).port;
      const repo = await newRepo('netns');
      await repo.commit('base', { ...SCAFFOLD, [versionFile('0001_create_accounts')]: ACCOUNTS_0001 });
      await repo.branch('feature');
      await repo.commit('phone home', {
        [versionFile('0002_phone_home')]: revision(
          '0002',
          '0001',
          'phone home',
          `try:
    socket.create_connection(("127.0.0.1", ${port}), timeout=3)
    outcome = "reached 127.0.0.1"
except OSError as error:
    outcome = f"blocked: {error}"
raise RuntimeError("NETWORK " + outcome + " SERVER SOCKET " + str(os.path.exists(${JSON.stringify(server.socketDir)})))`,
          'import os\nimport socket\nfrom alembic import op\n',
        ),
      });
      const report = await analyse({
        repo: repo.dir,
        base: { ref: 'main', sha: await resolveCommit(repo.dir, 'main') },
        head: { ref: 'feature', sha: await resolveCommit(repo.dir, 'feature') },
        server,
      });
      expect(report.environment.networkIsolated).toBe(true);
      // 0001 ran (through the relay), 0002 reports what it could reach: neither the port nor the server's own socket.
      expect(report.errors).toEqual([expect.objectContaining({ revision: '0002', message: expect.stringMatching(/NETWORK blocked: .* SERVER SOCKET False/) })]);
    } finally {
      await server.stop();
    }
  });
});
