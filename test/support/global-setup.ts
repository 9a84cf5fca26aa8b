/**
 * One Postgres server and one managed Python environment for the whole suite.
 * The server is the embedded default unless DRIFTBOT_DATABASE_URL names one, so the
 * suite passes on a machine with no Postgres installed. After the suite, it fails the
 * run if any driftbot database or data folder was left behind.
 */
import type { TestProject } from 'vitest/node';
import { readdir, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { openServer, type PostgresServer } from '../../src/postgres/server.js';
import { withClient } from '../../src/postgres/client.js';
import { ensurePythonEnvironment, runnerScriptPath } from '../../src/alembic/python-env.js';

let server: PostgresServer | null = null;
/** Data folders that existed before the suite (another process's): not ours to judge. */
let foldersBefore = new Set<string>();
let fixturesBefore = new Set<string>();

/**
 * Temporary folders the product makes (the tests' own fixtures are `driftbot-test-*`):
 * in the temporary folder, or in memory when it has room (src/memory-folder.ts).
 */
async function embeddedDataFolders(): Promise<string[]> {
  const found = await Promise.all(
    [tmpdir(), '/dev/shm'].map(async (where) =>
      (await readdir(where).catch(() => [])).filter((name) => /^driftbot-(pg|run|fix|index)-/.test(name)).map((name) => join(where, name)),
    ),
  );
  return found.flat();
}

/** Runners of this checkout (another checkout's suite may be running on the same machine). */
function runnerProcesses(): string[] {
  const runner = runnerScriptPath();
  return execFileSync('ps', ['-eo', 'pid,args'])
    .toString()
    .split('\n')
    .filter((line) => line.includes(runner));
}

export async function setup(project: TestProject): Promise<void> {
  foldersBefore = new Set(await embeddedDataFolders());
  fixturesBefore = new Set((await readdir(tmpdir())).filter((name) => name.startsWith('driftbot-test-')));
  const [python, started] = await Promise.all([
    ensurePythonEnvironment({ log: (message) => process.stderr.write(`[python] ${message}\n`) }),
    openServer({ databaseUrl: process.env.DRIFTBOT_DATABASE_URL ?? null }),
  ]);
  server = started;
  process.stderr.write(`[tests] Postgres ${server.version} (${server.label}), Python ${python}\n`);
  project.provide('postgresUrl', server.adminUrl);
  project.provide('pythonExecutable', python);
}

/** The repositories and folders tests build (`driftbot-test-*`) go when the suite ends. */
async function removeTestFixtures(): Promise<void> {
  const fixtures = (await readdir(tmpdir())).filter((name) => name.startsWith('driftbot-test-') && !fixturesBefore.has(name));
  await Promise.all(fixtures.map((name) => rm(join(tmpdir(), name), { recursive: true, force: true })));
}

export async function teardown(): Promise<void> {
  await removeTestFixtures();
  if (!server) return;
  const leftovers = await withClient(server.adminUrl, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT datname AS name FROM pg_database WHERE datname LIKE 'driftbot%' UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE 'driftbot%'`,
    );
    return rows.map((row) => row.name);
  });
  await server.stop();
  const folders = (await embeddedDataFolders()).filter((name) => !foldersBefore.has(name));
  const runners = runnerProcesses();
  const problems = [
    ...(leftovers.length ? [`databases or roles left behind: ${leftovers.join(', ')}`] : []),
    ...(folders.length ? [`temporary folders left behind: ${folders.join(', ')}`] : []),
    ...(runners.length ? [`runner processes still running: ${runners.join('; ')}`] : []),
  ];
  if (problems.length) throw new Error(`leak check failed: ${problems.join('; ')}`);
}
