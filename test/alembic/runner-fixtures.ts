/** What the Alembic runner's tests share: a file tree on disk, and a runner on the suite's Python. */
import { inject } from 'vitest';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AlembicRunner, type RunnerOptions, type UpgradeResult } from '../../src/alembic/bridge.js';
import { scratchDatabase } from '../support/postgres.js';

export { revision } from '../../demo/seed-repo.js';

/** Writes the files into a new temporary folder (removed by the suite's teardown) and returns it. */
export async function tree(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'driftbot-test-runner-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

export function startRunner(options: Partial<RunnerOptions> = {}): Promise<AlembicRunner> {
  return AlembicRunner.start({ python: inject('pythonExecutable'), env: { PATH: process.env.PATH ?? '' }, cwd: tmpdir(), timeoutMs: 60_000, ...options });
}

export interface Upgraded {
  result: UpgradeResult;
  /** Tables of the public schema after the upgrade. */
  tables: string[];
}

/** Upgrades `root/versions` on a scratch database, reads back its tables, and drops it. */
export async function upgradeTree(runner: AlembicRunner, root: string, extra: Partial<Parameters<AlembicRunner['upgrade']>[0]> = {}): Promise<Upgraded> {
  const database = await scratchDatabase('runner');
  try {
    const result = await runner.upgrade({
      url: database.url,
      versions: join(root, 'versions'),
      versionTable: 'my_versions',
      pythonPaths: [root],
      stubMissingImports: true,
      root,
      ...extra,
    });
    const { rows } = await database.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    return { result, tables: rows.map((r) => r.tablename) };
  } finally {
    await database.drop();
  }
}
