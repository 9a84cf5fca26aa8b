/**
 * Production's Postgres major (`postgres.version`, `--postgres-version`): the embedded
 * server of that major really starts and really analyses; a bad value, or a given
 * server of another major, is refused with a message that says what to change.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { openServer, type PostgresServer } from '../../src/postgres/server.js';
import { withClient } from '../../src/postgres/client.js';
import { majorOf } from '../../src/postgres/versions.js';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { configuredPostgresVersion } from '../../src/config/postgres-version.js';
import type { Report } from '../../src/report/report.js';
import { repoFilesAt } from '../../src/workspace/repo-files.js';
import { resolveCommit } from '../../src/workspace/git.js';
import { createSeedRepository, SEED_CONFIG } from '../../demo/seed-repo.js';
import { onStderr } from '../support/stderr.js';

let stderr = '';
function captureStderr(): void {
  stderr = '';
  onStderr((text) => {
    stderr += text;
  });
}
afterEach(() => {
  vi.restoreAllMocks();
});

describe('the embedded Postgres 14 server', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await openServer({ version: 14 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('starts, and is PostgreSQL 14', async () => {
    const shown = await withClient(server.adminUrl, async (client) => (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version);
    expect(shown).toMatch(/^14\.\d+/);
    expect(server.version).toBe(shown.split(' ')[0]);
    expect(server.label).toBe('embedded');
  });

  it('as DRIFTBOT_DATABASE_URL, is accepted for 14 and refused for 17 with the setting to change', async () => {
    const accepted = await openServer({ databaseUrl: server.adminUrl, version: 14 });
    expect(majorOf(accepted.version)).toBe(14);
    const refused = openServer({ databaseUrl: server.adminUrl, version: 17 });
    await expect(refused).rejects.toThrow(/runs PostgreSQL 14\.\d+, but Postgres 17 is asked for \(postgres\.version in \.github\/driftbot\.yml, or --postgres-version\)/);
    await expect(refused).rejects.toThrow(/point DRIFTBOT_DATABASE_URL at a Postgres 17 server, or set postgres\.version \/ --postgres-version to 14/);
    // Credentials are in the URL: the message names the server by host:port only.
    await expect(refused).rejects.not.toThrow(new URL(server.adminUrl).password);
  });

  it('through the CLI: --postgres-version 17 against it exits 2 with that message', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftbot-test-pgversion-url-'));
    try {
      await createSeedRepository(dir);
      captureStderr();
      const code = await main([
        'check',
        '--repo',
        dir,
        '--base',
        'main',
        '--head',
        'feature',
        '--database-url',
        server.adminUrl,
        '--postgres-version',
        '17',
        '--format',
        'json',
        '--output',
        join(dir, 'report.json'),
      ]);
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(/runs PostgreSQL 14\.\d+, but Postgres 17 is asked for/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the embedded Postgres 15 and 16 servers', () => {
  it.each([15, 16] as const)('%i starts and reports its major', async (major) => {
    const server = await openServer({ version: major });
    try {
      const shown = await withClient(server.adminUrl, async (client) => (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version);
      expect(majorOf(shown)).toBe(major);
    } finally {
      await server.stop();
    }
  });
});

describe('postgres.version in the configuration', () => {
  it('accepts 14 to 17, and says nothing when absent', () => {
    for (const version of [14, 15, 16, 17]) expect(parseConfig(`${SEED_CONFIG}postgres:\n  version: ${version}\n`, 'x.yml').postgres).toEqual({ version });
    expect(parseConfig(SEED_CONFIG, 'x.yml').postgres).toEqual({ version: null });
  });

  it('refuses 13, naming the file, line, key and the allowed values', () => {
    const text = `${SEED_CONFIG}postgres:\n  version: 13\n`;
    const line = text.split('\n').length - 1;
    let error: unknown;
    try {
      parseConfig(text, '.github/driftbot.yml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`.github/driftbot.yml:${line}:12: postgres.version: must be one of 14, 15, 16, 17 (production's Postgres major version), not 13`);
  });

  it('refuses "17" written as text, and an unknown key beside version', () => {
    expect(() => parseConfig(`${SEED_CONFIG}postgres:\n  version: "17"\n`, 'x.yml')).toThrow(/postgres\.version: must be one of 14, 15, 16, 17 .*not "17"/);
    expect(() => parseConfig(`${SEED_CONFIG}postgres:\n  major: 17\n`, 'x.yml')).toThrow(/postgres\.major: unknown key/);
  });

  it('through the CLI, a --config file with version 13 exits 2 with the placed ConfigError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftbot-test-pgversion-config-'));
    try {
      await createSeedRepository(dir);
      const config = join(dir, 'driftbot.yml');
      await writeFile(config, `${SEED_CONFIG}postgres:\n  version: 13\n`);
      captureStderr();
      const code = await main([
        'check',
        '--repo',
        dir,
        '--base',
        'main',
        '--head',
        'feature',
        '--config',
        config,
        '--database-url',
        inject('postgresUrl'),
        '--format',
        'json',
        '--output',
        join(dir, 'report.json'),
      ]);
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(/driftbot\.yml:\d+:12: postgres\.version: must be one of 14, 15, 16, 17 \(production's Postgres major version\), not 13/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--postgres-version 13 is a usage error listing the allowed values', async () => {
    captureStderr();
    expect(await main(['check', '--postgres-version', '13'])).toBe(2);
    expect(stderr).toContain('--postgres-version must be one of 14, 15, 16, 17 (production\'s Postgres major version), not "13"');
  });
});

describe('an analysis on Postgres 14, from the committed configuration', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftbot-test-pgversion-'));
    const { repo } = await createSeedRepository(dir);
    await repo.checkout('feature');
    await repo.commit('production runs Postgres 14', { '.github/driftbot.yml': `${SEED_CONFIG}postgres:\n  version: 14\n` });
    await repo.checkout('main');
    return () => rm(dir, { recursive: true, force: true });
  });

  it('the version is read from the head commit, from --config instead when given; a broken file says nothing (the analysis reports it)', async () => {
    const files = await repoFilesAt(dir, await resolveCommit(dir, 'feature'));
    expect(await configuredPostgresVersion(files, null)).toBe(14);
    expect(await configuredPostgresVersion(files, { path: 'other.yml', text: `${SEED_CONFIG}postgres: { version: 16 }\n` })).toBe(16);
    expect(await configuredPostgresVersion(files, { path: 'other.yml', text: 'postgres: { version: 13 }\n' })).toBeNull();
    expect(await configuredPostgresVersion(await repoFilesAt(dir, await resolveCommit(dir, 'main')), null)).toBeNull();
  });

  /** `driftbot check` with its own embedded server (no DRIFTBOT_DATABASE_URL): the JSON report and stderr. */
  async function checkEmbedded(extra: string[]): Promise<{ code: number; report: Report; stderr: string }> {
    const saved = process.env.DRIFTBOT_DATABASE_URL;
    delete process.env.DRIFTBOT_DATABASE_URL;
    const output = join(dir, `..`, `${Date.now()}-pgversion.json`);
    captureStderr();
    try {
      const code = await main(['check', '--repo', dir, '--base', 'main', '--head', 'feature', '--format', 'json', '--output', output, ...extra]);
      const report = JSON.parse(await readFile(output, 'utf8'));
      return { code, report, stderr };
    } finally {
      if (saved !== undefined) process.env.DRIFTBOT_DATABASE_URL = saved;
      vi.restoreAllMocks();
      await rm(output, { force: true });
    }
  }

  it('finds the same drift and the same verified fix as on 17 (--postgres-version wins over the file)', async () => {
    const on14 = await checkEmbedded([]);
    expect(on14.code, on14.stderr).toBe(1);
    expect(on14.report.environment).toMatchObject({ server: 'embedded', postgresVersion: expect.stringMatching(/^14\./) });
    expect(on14.stderr).toMatch(/PostgreSQL 14\.\d+ \(embedded\)/);

    const on17 = await checkEmbedded(['--postgres-version', '17']);
    expect(on17.code, on17.stderr).toBe(1);
    expect(on17.report.environment.postgresVersion).toMatch(/^17\./);

    expect(on14.report.findings.length).toBeGreaterThan(0);
    expect(on14.report.findings).toEqual(on17.report.findings);
    expect(on14.report.fix).toMatchObject({ revision: 'oss000000009', verified: true, remainingDifferences: 0 });
    expect(on14.report.fix?.statements).toEqual(on17.report.fix?.statements);
    expect(on14.report.fix?.content).toBe(on17.report.fix?.content);
  });
});
