/**
 * The App's next analysis begun before it arrives (spare-start.ts): an analysis that
 * fits takes the spare's folder and runner and reports exactly what one that started
 * its own does; one that does not fit starts its own and the spare's runner goes; an
 * unused spare leaves nothing behind. And the runners analyses share (RunnerBudget).
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { RunnerBudget, RunnerPool } from '../../src/alembic/runner-pool.js';
import { analyse, type AnalysisRequest } from '../../src/analysis/analyse.js';
import { SpareStarts } from '../../src/analysis/spare-start.js';
import { detectSandbox } from '../../src/sandbox/sandbox.js';
import { resolveCommit } from '../../src/workspace/git.js';
import { createSeedRepository } from '../../demo/seed-repo.js';
import { startRunner } from '../alembic/runner-fixtures.js';
import { databasesOfRun, testServer } from '../support/analysis.js';
import { processAlive } from '../support/processes.js';

const server = testServer();
const python = () => inject('pythonExecutable');

async function seed(): Promise<Pick<AnalysisRequest, 'repo' | 'base' | 'head'>> {
  const dir = await mkdtemp(join(tmpdir(), 'driftbot-test-spare-'));
  const repo = await createSeedRepository(dir);
  return { repo: dir, base: { ref: 'main', sha: await resolveCommit(dir, repo.base) }, head: { ref: 'feature', sha: await resolveCommit(dir, repo.head) } };
}

/** Waits until the spare taken next is ready (it is made in the background). */
async function ready(spares: SpareStarts): Promise<void> {
  for (let i = 0; i < 200 && !(spares as unknown as { ready: unknown }).ready; i++) await new Promise((resolve) => setTimeout(resolve, 25));
}

const phaseNames = (report: { timings: { phases: { name: string }[] } }) => report.timings.phases.map((p) => p.name);

describe('spare starts', () => {
  it('the second analysis takes the folder and runner the first one began, and reports the same', async () => {
    const subject = await seed();
    const sandboxed = (await detectSandbox()).available;
    const spares = new SpareStarts({ python: python(), sandboxed });
    try {
      const request = { ...subject, server, python: python(), spares };
      const first = await spares.around(async () => {
        const report = await analyse(request);
        // No spare is made while an analysis runs (it would take a core and memory from it).
        spares.prepare();
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect((spares as unknown as { ready: unknown }).ready).toBeNull();
        return report;
      });
      // Nothing was ready for the first: it started its own runner. The spare began when it ended.
      expect(phaseNames(first)).toContain('runner start');
      await ready(spares);
      const spareFolder = (spares as unknown as { ready: { layout: { workdir: string } } }).ready.layout.workdir;
      expect(existsSync(join(spareFolder, 'head'))).toBe(true);
      const second = await analyse(request);
      // It started no runner: the spare's was ready.
      expect(phaseNames(second)).not.toContain('runner start');
      expect(second.status).toBe('drift');
      expect(second.findings.map((f) => [f.table, f.name, f.difference])).toEqual(first.findings.map((f) => [f.table, f.name, f.difference]));
      expect(second.fixes.map((f) => [f.content, f.verified])).toEqual(first.fixes.map((f) => [f.content, f.verified]));
      // The folder was the analysis' own, and went with it.
      expect(existsSync(spareFolder)).toBe(false);
      expect(await databasesOfRun(server, second.environment.runId)).toEqual([]);
    } finally {
      await spares.close();
    }
  });

  it('an analysis whose runner would differ (another step limit) starts its own, and the spare runner goes', async () => {
    const subject = await seed();
    const spares = new SpareStarts({ python: python(), sandboxed: (await detectSandbox()).available });
    try {
      spares.prepare();
      await ready(spares);
      const pids = await sparePids(spares);
      expect(pids.length).toBeGreaterThan(0);
      const workdir = (spares as unknown as { ready: { layout: { workdir: string } } }).ready.layout.workdir;
      const report = await analyse({ ...subject, server, python: python(), spares, stepTimeoutMs: 9 * 60 * 1000 });
      expect(report.status).toBe('drift');
      expect(phaseNames(report)).toContain('runner start');
      // The folder served (same layout); the runners, started with other limits, were stopped.
      expect(existsSync(workdir)).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const pid of pids) expect(processAlive(pid)).toBe(false);
    } finally {
      await spares.close();
    }
  });

  it('a spare nobody takes leaves no folder and no process once closed', async () => {
    const spares = new SpareStarts({ python: python(), sandboxed: false });
    spares.prepare();
    await ready(spares);
    const workdir = (spares as unknown as { ready: { layout: { workdir: string } } }).ready.layout.workdir;
    const pids = await sparePids(spares);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) expect(processAlive(pid)).toBe(true);
    await spares.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
    expect(existsSync(workdir)).toBe(false);
  });
});

describe('runner budget', () => {
  it('lets an analysis alone start a runner per core, and one of two analyses only its first', async () => {
    const budget = new RunnerBudget(2);
    const options = { python: python(), env: { PATH: process.env.PATH ?? '' }, cwd: tmpdir(), timeoutMs: 60_000 };
    // Two requests at once: how many runners served them.
    const runnersUsed = async (pool: RunnerPool) => {
      const seen = await Promise.all([0, 1].map(() => pool.use(async (runner) => (runner as unknown as { child: { pid: number } }).child.pid)));
      return new Set(seen).size;
    };
    const alone = new RunnerPool(options, 2, await startRunner(), budget);
    expect(await runnersUsed(alone)).toBe(2);
    // A second analysis meanwhile: its first runner always, no other while the first analysis holds the rest.
    const other = new RunnerPool(options, 2, await startRunner(), budget);
    try {
      expect(await runnersUsed(other)).toBe(1);
      await alone.close();
      // Room again: the other analysis may now start its second.
      expect(budget.take()).toBe(true);
      budget.give();
    } finally {
      await other.close();
    }
    // Everything given back.
    expect(budget.take() && budget.take()).toBe(true);
    expect(budget.take()).toBe(false);
  });
});

/** The process ids of the ready spare's runners. */
async function sparePids(spares: SpareStarts): Promise<number[]> {
  const made = (spares as unknown as { ready: { runners: Promise<{ child: { pid: number } } | null>[] } }).ready;
  return (await Promise.all(made.runners)).flatMap((runner) => (runner ? [runner.child.pid] : []));
}
