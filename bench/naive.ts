/**
 * The naive baseline: what a team's CI does without driftbot. Alembic's own CLI
 * (`python -m alembic upgrade heads`, one Python process per chain and build) with a
 * generated alembic.ini and a minimal env.py, builds a fresh database from head, then a
 * database from base, then upgrades that one to head; `pg_dump --schema-only` dumps
 * both and a text diff compares them. The ini and env.py go into a temporary copy of
 * each tree, never into the repository.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { structuredPatch } from 'diff';
import { databaseUrl, withClient } from '../src/postgres/client.js';
import type { PostgresServer } from '../src/postgres/server.js';
import { timed } from './measure.js';
import { connectionEnv, type PgTools } from './pg-tools.js';

const run = promisify(execFile);

export interface NaiveChain {
  database: string;
  versions: string;
  versionTable: string;
}

export interface NaiveInput {
  server: PostgresServer;
  python: string;
  tools: PgTools;
  /** Temporary copies of the base and head trees (the bench's own, written to freely). */
  baseTree: string;
  headTree: string;
  chains: NaiveChain[];
  /** Folders of the tree put on PYTHONPATH, as the config's `python.paths`. */
  pythonPaths: string[];
  /** Modules the app's migrations import that a team's CI would have installed: name → source. */
  installed?: Record<string, string>;
}

export interface SchemaDump {
  database: string;
  build: 'fresh' | 'base' | 'upgraded';
  sql: string;
}

export interface NaiveResult {
  ms: number;
  steps: { fresh: number; base: number; upgraded: number; dump: number; diff: number };
  /** Unified diff of fresh and upgraded, per database; empty when they match. */
  diff: string;
  /** The three schemas it built, for the floor (the base dump is taken aside, untimed). */
  dumps: SchemaDump[];
}

export async function runNaive(input: NaiveInput): Promise<NaiveResult> {
  const databases = [...new Set(input.chains.map((c) => c.database))];
  const runId = randomBytes(4).toString('hex');
  const name = (build: string, database: string) => `driftbot_bench_${runId}_${build}_${database}`.toLowerCase().slice(0, 63);
  const created: string[] = [];
  try {
    for (const database of databases) {
      for (const build of ['fresh', 'upgraded']) {
        created.push(name(build, database));
        await admin(input.server, `CREATE DATABASE "${name(build, database)}"`);
      }
    }
    // Every ini is written before the clock starts: a team's CI has its files already.
    const inis = async (tree: string, build: string) => {
      const files: string[] = [];
      for (const [index, chain] of input.chains.entries())
        files.push(await writeAlembicIni(input, tree, index, chain, databaseUrl(input.server.adminUrl, name(build, chain.database)), build));
      return files;
    };
    const freshInis = await inis(input.headTree, 'fresh');
    const baseInis = await inis(input.baseTree, 'upgraded');
    const upgradedInis = await inis(input.headTree, 'upgraded');
    const upgradeAll = async (tree: string, files: string[]) => {
      for (const [index, ini] of files.entries()) await alembicUpgrade(input, tree, ini, input.chains[index]!.versions);
    };
    const fresh = await timed(() => upgradeAll(input.headTree, freshInis));
    const base = await timed(() => upgradeAll(input.baseTree, baseInis));
    const dumps: SchemaDump[] = [];
    for (const database of databases) dumps.push({ database, build: 'base', sql: await pgDump(input, name('upgraded', database)) });
    const upgraded = await timed(() => upgradeAll(input.headTree, upgradedInis));
    const dump = await timed(async () => {
      for (const database of databases) {
        dumps.push({ database, build: 'fresh', sql: await pgDump(input, name('fresh', database)) });
        dumps.push({ database, build: 'upgraded', sql: await pgDump(input, name('upgraded', database)) });
      }
    });
    const diff = await timed(async () =>
      databases
        .map((database) => {
          const of = (build: string) => comparable(dumps.find((d) => d.database === database && d.build === build)!.sql);
          const fresh = of('fresh');
          const upgraded = of('upgraded');
          return fresh === upgraded ? '' : unifiedDiff(`${database} fresh`, `${database} upgraded`, fresh, upgraded);
        })
        .join(''),
    );
    const steps = { fresh: fresh.ms, base: base.ms, upgraded: upgraded.ms, dump: dump.ms, diff: diff.ms };
    return { ms: Object.values(steps).reduce((a, b) => a + b, 0), steps, diff: diff.value, dumps };
  } finally {
    for (const database of created) await admin(input.server, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => {});
  }
}

/** alembic.ini and env.py for one chain and database, in the tree's copy; returns the ini's path. */
async function writeAlembicIni(input: NaiveInput, tree: string, index: number, chain: NaiveChain, url: string, build: string): Promise<string> {
  const root = join(tree, '.driftbot-bench-naive');
  const site = join(root, 'site-packages');
  await mkdir(site, { recursive: true });
  for (const [module, source] of Object.entries(input.installed ?? {})) await writeFile(join(site, `${module}.py`), source);
  const dir = join(root, `chain${index}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'env.py'), ENV_PY);
  // configparser interpolates "%": every value is escaped.
  const value = (text: string) => text.replaceAll('%', '%%');
  const ini = join(dir, `alembic-${build}.ini`);
  await writeFile(
    ini,
    `[alembic]\nscript_location = ${value(dir)}\nversion_locations = ${value(join(tree, chain.versions))}\npath_separator = os\nsqlalchemy.url = ${value(url.replace(/^postgres(ql)?:/, 'postgresql+psycopg:'))}\nversion_table = ${value(chain.versionTable)}\n`,
  );
  return ini;
}

/** `python -m alembic -c alembic.ini upgrade heads`: Alembic's own CLI, in a process of its own. */
async function alembicUpgrade(input: NaiveInput, tree: string, ini: string, versions: string): Promise<void> {
  const pythonPath = [join(tree, '.driftbot-bench-naive', 'site-packages'), ...input.pythonPaths.map((p) => join(tree, p))].join(':');
  try {
    await run(input.python, ['-m', 'alembic', '-c', ini, 'upgrade', 'heads'], {
      cwd: tree,
      env: { PATH: process.env.PATH ?? '', PYTHONPATH: pythonPath },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-5).join('\n') ?? '';
    throw new Error(`naive baseline: alembic upgrade heads of ${versions} failed: ${stderr || (error as Error).message}`);
  }
}

async function pgDump(input: NaiveInput, database: string): Promise<string> {
  const { stdout } = await run(input.tools.pgDump, ['--schema-only', '--no-owner', '--no-privileges'], {
    env: { PATH: process.env.PATH ?? '', ...connectionEnv(databaseUrl(input.server.adminUrl, database)) },
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/**
 * `diff -u -F '^CREATE'`: a unified diff whose hunk headers name the statement each hunk
 * is in (the table of a changed column), as a team would set it up to be readable.
 */
export function unifiedDiff(oldName: string, newName: string, oldText: string, newText: string): string {
  const patch = structuredPatch(oldName, newName, oldText, newText, '', '', { context: 3 });
  const oldLines = oldText.split('\n');
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  for (const hunk of patch.hunks) {
    const statement =
      oldLines
        .slice(0, hunk.oldStart - 1)
        .reverse()
        .find((line) => line.startsWith('CREATE ')) ?? '';
    out.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@ ${statement}`.trimEnd(), ...hunk.lines);
  }
  return `${out.join('\n')}\n`;
}

/** pg_dump 17.6+ brackets its output with `\restrict KEY` lines, the key random each time. */
function comparable(sql: string): string {
  return sql.replace(/^\\(un)?restrict .*\n/gm, '');
}

/** A temporary copy of the tree at `ref` (`git archive | tar -x`): the naive files go there, never into the repository. */
export async function copyTree(repo: string, ref: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', ref], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
    archive.stdout.pipe(tar.stdin);
    let failed = false;
    const fail = (what: string) => (code: number | null) => {
      if (code !== 0 && !failed) {
        failed = true;
        reject(new Error(`cannot copy ${ref} of ${repo}: ${what} exited with ${code}`));
      }
    };
    archive.on('close', fail('git archive'));
    tar.on('close', (code) => {
      fail('tar')(code);
      if (!failed) resolve();
    });
    archive.on('error', reject);
    tar.on('error', reject);
  });
}

async function admin(server: PostgresServer, sql: string): Promise<void> {
  await withClient(server.adminUrl, (client) => client.query(sql));
}

/** The smallest env.py: the URL and version table from the ini, online mode, one transaction. */
const ENV_PY = `from alembic import context
from sqlalchemy import create_engine

config = context.config
engine = create_engine(config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, version_table=config.get_main_option("version_table"))
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
`;
