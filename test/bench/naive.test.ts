/**
 * The naive baseline of `npm run bench` (bench/naive.ts) run once on the demo, so that it
 * cannot silently rot: real Alembic CLI, real pg_dump, on the suite's server. It must
 * find the drift driftbot finds, and nothing when there is none. No timing is asserted.
 */
import { describe, expect, it, beforeAll, inject } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSeedRepository, VERSIONS, type SeedRepository } from '../../demo/seed-repo.js';
import { openServer, type PostgresServer } from '../../src/postgres/server.js';
import { copyTree, runNaive, type NaiveResult } from '../../bench/naive.js';
import { findPgTools, type PgTools } from '../../bench/pg-tools.js';
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
    seed = await createSeedRepository(join(dir, 'repo'));
    await copyTree(seed.repo.dir, seed.base, join(dir, 'base'));
    await copyTree(seed.repo.dir, seed.head, join(dir, 'head'));
    server = await openServer({ databaseUrl: inject('postgresUrl') });
    tools = await findPgTools(server.version, python);
    return () => rm(dir, { recursive: true, force: true });
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
    return withClient(server.adminUrl, async (client) => (await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'driftbot_bench_%'`)).rows.map((r) => r.datname));
  }
});
