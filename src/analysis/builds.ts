/**
 * Builds one database the three ways README "What it does" describes, by really running Alembic:
 * fresh (head's chains from nothing), upgraded (base's chains, then head's on top) and
 * models (head's SQLAlchemy metadata, created with `create_all`), and reads each back
 * from Postgres's catalogs. A database installed from its models (`install: models`) has
 * no fresh build of its own: a new install is `create_all`, then `alembic stamp head`,
 * and that one database is both fresh and models.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AlembicRunner, StandInInfo, ModelTable, ModelsResult, TreeArgs } from '../alembic/bridge.js';
import type { ChainConfig, DatabaseConfig, PythonConfig } from '../config/config.js';
import type { ThrowawayDatabase, ThrowawayDatabases } from '../postgres/throwaway.js';
import { withClient } from '../postgres/client.js';
import { introspect } from '../schema/introspect.js';
import type { Schema } from '../schema/schema.js';
import type { MigrationFailure, StandIn } from '../report/report.js';
import type { RevisionRun } from './causes.js';
import type { SharedHistory } from './shared-history.js';

/** One git tree as materialized on disk, with the configuration it is built with. */
export interface Tree {
  dir: string;
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
  runner: AlembicRunner;
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
  models: { schema: Schema; tables: ModelTable[]; errors: { path: string; message: string }[] } | null;
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
  /** One chain of a tree on a database: in its schema, with its version table. */
  const chainArgs = (target: ThrowawayDatabase, tree: Tree, chain: ChainConfig) => ({
    url: target.runnerUrl,
    versions: join(tree.dir, chain.versions),
    versionTable: chain.versionTable,
    schema: chain.schema,
    statementTimeoutMs: tools.statementTimeoutMs,
    ...treeArgs(tree),
  });
  /** Applies each chain to its heads, or the last one only up to `upTo`. */
  const apply = async (target: ThrowawayDatabase, tree: Tree, chains: ChainConfig[], build: MigrationFailure['build'], upTo: string | null = null) => {
    const runs: RevisionRun[] = [];
    for (const [i, chain] of chains.entries()) {
      tools.log(`${name}: ${build}: applying ${chain.versions}`);
      const result = await tools.runner.upgrade({ ...chainArgs(target, tree, chain), ...(upTo !== null && i === chains.length - 1 ? { target: upTo } : {}) });
      standIns.push(...result.standIns.map((s: StandInInfo) => ({ module: s.module, database: name, importedFrom: s.importedFrom })));
      for (const applied of result.applied) {
        runs.push({ ...applied, content: await readFile(join(tree.dir, applied.path), 'utf8').catch(() => '') });
      }
      if (result.failure) return { runs, failure: { ...result.failure, database: name, build } };
    }
    return { runs, failure: null };
  };

  // The history base and head share is built once, from base's tree, and copied; a new
  // install made from the models shares nothing with the migrations.
  const fromMigrations = database.install === 'migrations';
  const history = fromMigrations && shared && starts[0]?.database ? await buildSharedHistory(tools, name, starts[0].tree, starts[0].database.chains, shared, apply) : null;
  const resume = history ? shared!.wholeChains : 0;
  const newDatabase = (purpose: string) => tools.time('create databases', () => (history ? tools.databases.copy(history.database, purpose) : tools.databases.create(purpose)));
  const defaultSchema = modelsSchema(database.chains);

  /** `create_all` of head's models, with the extensions a migrations-built database of this run has (the models use their types, never create them). */
  const createAll = async (target: ThrowawayDatabase, extensionsFrom: Build | null) => {
    if (extensionsFrom && !extensionsFrom.failure) await tools.time('build models', () => tools.databases.copyExtensions(extensionsFrom.database, target));
    const result = await tools.time('build models', () =>
      tools.runner.buildModels({
        url: target.runnerUrl,
        files: modelFiles.map((file) => join(head.dir, file)),
        defaultSchema,
        statementTimeoutMs: tools.statementTimeoutMs,
        ...treeArgs(head),
      }),
    );
    standIns.push(...result.standIns.map((s: StandInInfo) => ({ module: s.module, database: name, importedFrom: s.importedFrom })));
    return result;
  };

  const freshDb = await newDatabase(`${name}_fresh`);
  let fresh: { runs: RevisionRun[]; failure: MigrationFailure | null } = { runs: [], failure: null };
  if (fromMigrations) {
    const rest = await tools.time('build fresh', () => apply(freshDb, head, database.chains.slice(resume), 'fresh'));
    fresh = { runs: [...(history?.runs ?? []), ...rest.runs], failure: rest.failure };
  }

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

  let modelsResult: ModelsResult | null = null;
  if (!fromMigrations) {
    // A new install is `create_all` of head's models (with the extensions the upgraded
    // database has), then `alembic stamp head` for each chain.
    modelsResult = await tools.time('build fresh', () => createAll(freshDb, upgraded[0] ?? null));
    fresh = { runs: [], failure: modelsResult.errors.length ? modelsFailure(name, modelsResult.errors) : await stampHeads(freshDb) };
  }

  async function stampHeads(target: ThrowawayDatabase): Promise<MigrationFailure | null> {
    for (const chain of database.chains) {
      tools.log(`${name}: fresh: stamping ${chain.versions} at its heads`);
      const result = await tools.runner.upgrade({ ...chainArgs(target, head, chain), stamp: true });
      if (result.failure) return { ...result.failure, database: name, build: 'fresh' };
    }
    return null;
  }

  let freshSchema: Schema | null = null;
  let models: DatabaseBuilds['models'] = null;
  if (modelFiles.length > 0 && fromMigrations) {
    const modelsDb = await tools.time('create databases', () => tools.databases.create(`${name}_models`));
    // Models use the types extensions bring (citext, ltree…) but never create them: the
    // migrations do. Give the models database what the fresh install has.
    const result = await createAll(modelsDb, { database: freshDb, failure: fresh.failure, schema: null, runs: [] });
    const schema = await tools.time('introspect', () => readSchema(modelsDb));
    models = { schema, tables: result.tables, errors: result.errors };
  }

  await tools.time('introspect', async () => {
    const schemas = await Promise.all([fresh.failure ? null : readSchema(freshDb), ...upgraded.map((u) => (u.failure ? null : readSchema(u.database)))]);
    for (const [i, u] of upgraded.entries()) u.schema = schemas[i + 1] ?? null;
    freshSchema = schemas[0] ?? null;
  });
  // Installed from the models, the fresh database is the models' own.
  if (modelsResult && freshSchema) models = { schema: freshSchema, tables: modelsResult.tables, errors: modelsResult.errors };
  return {
    fresh: { database: freshDb, schema: freshSchema, runs: fresh.runs, failure: fresh.failure },
    upgraded,
    models,
    standIns: dedupe(standIns),
  };
}

/**
 * Where the models' tables without a schema land: the schema of the chain that runs in
 * one (a per-tenant chain's template schema), as a per-tenant `create_all` translates
 * them; the server's default when no chain, or chains of different schemas, say one.
 */
export function modelsSchema(chains: ChainConfig[]): string | null {
  const schemas = [...new Set(chains.map((chain) => chain.schema).filter((schema): schema is string => schema !== null))];
  return schemas.length === 1 ? schemas[0]! : null;
}

/** Models that cannot be imported leave a new install made from them unknown. */
function modelsFailure(database: string, errors: { path: string; message: string }[]): MigrationFailure {
  const [first] = errors;
  return { database, build: 'models', revision: '(models)', path: first!.path, line: null, error: errors.map((e) => e.message).join('\n') };
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
