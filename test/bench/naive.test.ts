/**
 * The naive baseline of `npm run bench` (bench/naive.ts) run once on the demo, so that it
 * cannot silently rot: real Alembic CLI, real pg_dump (the machine's postgresql-client),
 * on the server the bench would choose: the embedded one of the client's major, since
 * the suite's shared server (17) may be newer than the client and pg_dump refuses that.
 * It must find the drift driftbot finds, and nothing when there is none. No timing is asserted.
 */
import { describe, expect, it, beforeAll, afterAll, inject } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSeedRepository, VERSIONS, type SeedRepository } from '../../demo/seed-repo.js';
import type { PostgresServer } from '../../src/postgres/server.js';
import { majorOf } from '../../src/postgres/versions.js';
import { copyTree, runNaive, type NaiveResult } from '../../bench/naive.js';
import { findPgTools, openBenchServer, type PgTools } from '../../bench/pg-tools.js';
import { withClient } from '../../src/postgres/client.js';
import { check } from '../support/analysis.js';

describe('the naive baseline of the bench', () => {
  let dir: string;
  let seed: SeedRepository;
  let server: PostgresServer;
  let tools: PgTools;
  const python = inject('pythonExecutable');
  const chains = [{ database: 'core', versions: VERSIONS, versionTable: 'alembic_version' }];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftbot-test-bench-'));
    tools = await findPgTools();
    // The repository is built while the server starts.
    [server, seed] = await Promise.all([openBenchServer(tools, process.env.DRIFTBOT_DATABASE_URL || null), createSeedRepository(join(dir, 'repo'))]);
    await copyTree(seed.repo.dir, seed.base, join(dir, 'base'));
    await copyTree(seed.repo.dir, seed.head, join(dir, 'head'));
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs on a server the client can dump: the embedded one of its major, or the one DRIFTBOT_DATABASE_URL names', () => {
    const given = process.env.DRIFTBOT_DATABASE_URL;
    expect(majorOf(server.version)).toBeLessThanOrEqual(tools.major);
    if (given) {
      expect(server.adminUrl).toBe(given);
    } else {
      expect(server.label).toBe('embedded');
      expect(majorOf(server.version)).toBe(Math.min(tools.major, 17));
    }
  });

  const naive = (baseTree: string, headTree: string): Promise<NaiveResult> => runNaive({ server, python, tools, baseTree, headTree, chains, pythonPaths: ['api'] });

  it('finds the drift driftbot finds on the demo: session_streams differs, column by column', async () => {
    const [result, report] = await Promise.all([naive(join(dir, 'base'), join(dir, 'head')), check(seed.repo, seed.base, seed.head)]);
    expect(report.status).toBe('drift');
    expect(result.diff).toContain('session_streams');
    const changed = result.diff.split('\n').filter((line) => /^[-+][^-+]/.test(line));
    // Every column driftbot reports shows on a changed line of the schema text diff.
    for (const finding of report.findings) expect(changed.some((line) => line.includes(finding.name))).toBe(true);
    expect(changed.some((line) => line.startsWith('+') && line.includes('status jsonb'))).toBe(true);
    // It built three schemas (fresh, base, upgraded) for the floor, and cleaned up after itself.
    expect(result.dumps.map((d) => d.build).sort()).toEqual(['base', 'fresh', 'upgraded']);
    expect(result.dumps.every((d) => d.sql.includes('CREATE TABLE public.projects'))).toBe(true);
    expect(await benchDatabases()).toEqual([]);
  });

  it('finds nothing when base and head are the same tree (the dumps compare equal)', async () => {
    const result = await naive(join(dir, 'base'), join(dir, 'base'));
    expect(result.diff).toBe('');
    expect(result.dumps.find((d) => d.build === 'fresh')!.sql).toContain('CREATE TABLE public.session_streams');
  });

  it('writes its alembic.ini and env.py into the tree copy, never into the repository', async () => {
    expect(await readdir(join(dir, 'head', '.driftbot-bench-naive', 'chain0'))).toEqual(expect.arrayContaining(['env.py', 'alembic-fresh.ini', 'alembic-upgraded.ini']));
    expect(await seed.repo.git('status', '--porcelain', '--ignored')).toBe('');
  });

  async function benchDatabases(): Promise<string[]> {
    return withClient(server.adminUrl, async (client) =>
      (await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'driftbot_bench_%'`)).rows.map((r) => r.datname),
    );
  }
});
