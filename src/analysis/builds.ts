/**
 * Builds one database the three ways README "What it does" describes, by really running Alembic:
 * fresh (head's chains from nothing), upgraded (base's chains, then head's on top) and
 * models (head's SQLAlchemy metadata, created with `create_all`), and reads each back
 * from Postgres's catalogs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AlembicRunner, StandInInfo, ModelTable, TreeArgs } from '../alembic/bridge.js';
import type { ChainConfig, DatabaseConfig, PythonConfig } from '../config/config.js';
import type { ThrowawayDatabase, ThrowawayDatabases } from '../postgres/throwaway.js';
import { withClient } from '../postgres/client.js';
import { RunnerError } from '../errors.js';
import { introspect } from '../schema/introspect.js';
import type { Schema } from '../schema/schema.js';
import type { MigrationFailure, StandIn } from '../report/report.js';
import type { RevisionRun } from './causes.js';
import type { SharedHistory } from './shared-history.js';

/** One git tree as materialized on disk, with the configuration it is built with. */
export interface Tree {
  dir: string;
  /** The runner in this side's Python environment (its own dependencies, or driftbot's). */
  runner: AlembicRunner;
  python: PythonConfig;
  /** The project's settings and mounts, resolved for this tree. */
  settings: { env: Record<string, string>; mounts: { link: string; target: string }[] };
}

/** What the runner needs to import a tree's code: import roots, stand-ins, settings, mounts. */
export function treeArgs(tree: Tree): TreeArgs {
  return {
    pythonPaths: tree.python.paths.map((path) => join(tree.dir, path)),
    stubMissingImports: tree.python.stubMissingImports,
    root: tree.dir,
    env: tree.settings.env,
    mounts: tree.settings.mounts,
  };
}

export interface BuildTools {
  databases: ThrowawayDatabases;
  log: (message: string) => void;
  /** Adds the time of a named phase to the report's timings. */
  time: <T>(phase: string, work: () => Promise<T>) => Promise<T>;
  statementTimeoutMs: number;
  /** The one folder the runner may write (the fix is verified from a copy made there). */
  scratch: string;
}

export interface Build {
  database: ThrowawayDatabase;
  schema: Schema | null;
  runs: RevisionRun[];
  failure: MigrationFailure | null;
}

/** Where existing databases come from: base, and any other upgrade starting point. */
export interface StartingPoint {
  ref: string;
  tree: Tree;
  /** This commit's configuration of the database; null when it had none (built from nothing). */
  database: DatabaseConfig | null;
}

export interface UpgradedBuild extends Build {
  startingPoint: string;
  /** The part that came from the starting point's tree, for causes of objects only old installs have. */
  startRuns: RevisionRun[];
}

export interface DatabaseBuilds {
  fresh: Build;
  /** One per starting point, base first. */
  upgraded: UpgradedBuild[];
  models: { schema: Schema | null; tables: ModelTable[]; errors: { path: string | null; message: string }[]; warnings: string[] } | null;
  standIns: StandIn[];
}

export async function buildDatabase(
  tools: BuildTools,
  database: DatabaseConfig,
  head: Tree,
  starts: StartingPoint[],
  modelFiles: string[],
  shared: SharedHistory | null = null,
): Promise<DatabaseBuilds> {
  const name = database.name;
  const standIns: StandIn[] = [];
  /** Applies each chain to its heads, or the last one only up to `upTo`. */
  const apply = async (target: ThrowawayDatabase, tree: Tree, chains: ChainConfig[], build: MigrationFailure['build'], upTo: string | null = null) => {
    const runs: RevisionRun[] = [];
    for (const [i, chain] of chains.entries()) {
      tools.log(`${name}: ${build}: applying ${chain.versions}`);
      const result = await tree.runner.upgrade({
        url: target.runnerUrl,
        versions: join(tree.dir, chain.versions),
        versionTable: chain.versionTable,
        statementTimeoutMs: tools.statementTimeoutMs,
        ...(upTo !== null && i === chains.length - 1 ? { target: upTo } : {}),
        ...treeArgs(tree),
      });
      standIns.push(...result.standIns.map((s: StandInInfo) => ({ module: s.module, database: name, importedFrom: s.importedFrom })));
      for (const applied of result.applied) {
        runs.push({ ...applied, content: await readFile(join(tree.dir, applied.path), 'utf8').catch(() => '') });
      }
      if (result.failure) return { runs, failure: { ...result.failure, database: name, build } };
    }
    return { runs, failure: null };
  };

  // The history base and head share is built once, from base's tree, and copied.
  const history = shared && starts[0]?.database ? await buildSharedHistory(tools, name, starts[0].tree, starts[0].database.chains, shared, apply) : null;
  const resume = history ? shared!.wholeChains : 0;
  const newDatabase = (purpose: string) => tools.time('create databases', () => (history ? tools.databases.copy(history.database, purpose) : tools.databases.create(purpose)));

  const freshDb = await newDatabase(`${name}_fresh`);
  const freshRest = await tools.time('build fresh', () => apply(freshDb, head, database.chains.slice(resume), 'fresh'));
  const fresh = { runs: [...(history?.runs ?? []), ...freshRest.runs], failure: freshRest.failure };

  const upgraded: UpgradedBuild[] = [];
  for (const [i, start] of starts.entries()) {
    const fromShared = i === 0 && history !== null;
    const target = fromShared ? await newDatabase(`${name}_upgraded`) : await tools.time('create databases', () => tools.databases.create(`${name}_upgraded${i || ''}`));
    const built = start.database
      ? await tools.time('build base', () => apply(target, start.tree, start.database!.chains.slice(fromShared ? resume : 0), 'base'))
      : { runs: [], failure: null };
    const before = { runs: [...(fromShared ? history!.runs : []), ...built.runs], failure: built.failure };
    const after = before.failure ? { runs: [], failure: before.failure } : await tools.time('upgrade to head', () => apply(target, head, database.chains, 'upgraded'));
    upgraded.push({
      database: target,
      schema: null,
      runs: [...before.runs, ...after.runs],
      failure: after.failure ? { ...after.failure, startingPoint: start.ref } : null,
      startingPoint: start.ref,
      startRuns: before.runs,
    });
  }

  let freshSchema: Schema | null = null;
  let models: DatabaseBuilds['models'] = null;
  if (modelFiles.length > 0) {
    const modelsDb = await tools.time('create databases', () => tools.databases.create(`${name}_models`));
    // Models use the types extensions bring (citext, ltree…) but never create them: the
    // migrations do. Give the models database what the fresh install has.
    if (!fresh.failure) await tools.time('build models', () => tools.databases.copyExtensions(freshDb, modelsDb));
    // The models build stands alone: when it fails, the installs' comparison still stands.
    const result = await tools
      .time('build models', () =>
        head.runner.buildModels({
          url: modelsDb.runnerUrl,
          files: modelFiles.map((file) => join(head.dir, file)),
          skip: database.chains.map((chain) => join(head.dir, chain.versions)),
          statementTimeoutMs: tools.statementTimeoutMs,
          ...treeArgs(head),
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof RunnerError)) throw error;
        return { failed: error.message };
      });
    if ('failed' in result) {
      models = { schema: null, tables: [], errors: [{ path: null, message: result.failed }], warnings: [] };
    } else {
      standIns.push(...result.standIns.map((s: StandInInfo) => ({ module: s.module, database: name, importedFrom: s.importedFrom })));
      const schema = await tools.time('introspect', () => readSchema(modelsDb));
      models = { schema, tables: result.tables, errors: result.errors, warnings: result.warnings };
    }
  }

  await tools.time('introspect', async () => {
    const schemas = await Promise.all([fresh.failure ? null : readSchema(freshDb), ...upgraded.map((u) => (u.failure ? null : readSchema(u.database)))]);
    for (const [i, u] of upgraded.entries()) u.schema = schemas[i + 1] ?? null;
    freshSchema = schemas[0] ?? null;
  });
  return {
    fresh: { database: freshDb, schema: freshSchema, runs: fresh.runs, failure: fresh.failure },
    upgraded,
    models,
    standIns: dedupe(standIns),
  };
}

/**
 * Base's side of the shared history, in a database of its own that the fresh and the
 * upgraded builds are copied from. If it fails, nothing is shared: the builds run whole
 * and report the failure where it belongs.
 */
async function buildSharedHistory(
  tools: BuildTools,
  name: string,
  tree: Tree,
  chains: ChainConfig[],
  shared: SharedHistory,
  apply: (
    target: ThrowawayDatabase,
    tree: Tree,
    chains: ChainConfig[],
    build: MigrationFailure['build'],
    upTo?: string | null,
  ) => Promise<{ runs: RevisionRun[]; failure: MigrationFailure | null }>,
): Promise<{ database: ThrowawayDatabase; runs: RevisionRun[] } | null> {
  const upTo = shared.upTo;
  const part = chains.slice(0, shared.wholeChains + (upTo ? 1 : 0));
  const database = await tools.time('create databases', () => tools.databases.create(`${name}_shared`));
  const result = await tools.time('build shared history', () => apply(database, tree, part, 'base', upTo));
  if (result.failure) return null;
  // A chain shared up to a revision continues from there in both builds: it is not skipped.
  return { database, runs: result.runs };
}

export function readSchema(database: ThrowawayDatabase): Promise<Schema> {
  return withClient(database.url, (client) => introspect(client));
}

function dedupe(standIns: StandIn[]): StandIn[] {
  const seen = new Set<string>();
  return standIns.filter((s) => !seen.has(s.module) && seen.add(s.module));
}
