/**
 * Runs the real pipeline on a repository built by a test, against the suite's Postgres
 * server, and checks that the run left no throwaway database behind.
 */
import { expect, inject } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyse } from '../../src/analysis/analyse.js';
import type { AnalysisRequest } from '../../src/analysis/request.js';
import type { Report } from '../../src/report/report.js';
import { withClient } from '../../src/postgres/client.js';
import type { PostgresServer } from '../../src/postgres/server.js';
import { resolveCommit } from '../../src/workspace/git.js';
import { GitFixture } from '../../demo/git-fixture.js';

export function testServer(): PostgresServer {
  return { adminUrl: inject('postgresUrl'), label: 'test', version: 'test', stop: async () => {}, socketDir: null };
}

export async function newRepo(name: string): Promise<GitFixture> {
  return GitFixture.create(await mkdtemp(join(tmpdir(), `driftbot-test-${name}-`)));
}

export async function check(repo: GitFixture, base = 'main', head = 'feature', options: Partial<Omit<AnalysisRequest, 'repo' | 'base' | 'head' | 'server'>> = {}): Promise<Report> {
  const server = testServer();
  const report = await analyse({
    repo: repo.dir,
    base: { ref: base, sha: await resolveCommit(repo.dir, base) },
    head: { ref: head, sha: await resolveCommit(repo.dir, head) },
    server,
    ...options,
  });
  // Whatever happened, the analysis dropped what it created.
  expect(await databasesOfRun(server, report.environment.runId)).toEqual([]);
  return report;
}

export async function databasesOfRun(server: PostgresServer, runId: string): Promise<string[]> {
  return withClient(server.adminUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`driftbot_%_${runId}_%`]);
    return rows.map((r) => r.datname);
  });
}

/** Findings as `table.name` (or `name`) → difference, for compact assertions. */
export function differences(report: Report): Record<string, string> {
  return Object.fromEntries(report.findings.map((f) => [f.table ? `${f.table}.${f.name}` : f.name, f.difference]));
}
