/**
 * Builds one database the three ways README "What it does" describes, by really running Alembic:
 * fresh (head's chains from nothing), upgraded (base's chains, then head's on top) and
 * models (head's SQLAlchemy metadata, created with `create_all`), and reads each back
 * from Postgres's catalogs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AlembicRunner, StandInInfo, ModelTable, TreeArgs } from '../alembic/bridge.js';
import type { RunnerPool } from '../alembic/runner-pool.js';
import type { ChainConfig, DatabaseConfig, PythonConfig } from '../config/config.js';
import type { Extension, ThrowawayDatabase, ThrowawayDatabases } from '../postgres/throwaway.js';
import type { CachedTemplate, TemplateCache } from '../postgres/template-cache.js';
import { withClient } from '../postgres/client.js';
import { introspect } from '../schema/introspect.js';
import type { Schema } from '../schema/schema.js';
import type { MigrationFailure, StandIn } from '../report/report.js';
import type { RevisionRun } from './causes.js';
import type { ChainHistory, SharedHistory } from './shared-history.js';
import { historySteps, modelsKey, treeKey, type CacheCommon, type TreeIdentity } from './cache-keys.js';
import type { RevisionFile } from './edited-migrations.js';

/** One git tree as materialized on disk, with the configuration it is built with. */
export interface Tree {
  dir: string;
  python: PythonConfig;
  /** The project's settings and mounts, resolved for this tree. */
  settings: { env: Record<string, string>; mounts: { link: string; target: string }[] };
  /** Its files and settings as the keys of cached builds count them. */
  identity: TreeIdentity;
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
  /** The analysis' first runner: scans, the fix. */
  runner: AlembicRunner;
  /** Runners for the builds that run side by side. */
  runners: RunnerPool;
  databases: ThrowawayDatabases;
  log: (message: string) => void;
  /** Adds the time of a named phase to the report's timings. */
  time: <T>(phase: string, work: () => Promise<T>) => Promise<T>;
  statementTimeoutMs: number;
  /** The one folder the runner may write (the fix is verified from a copy made there). */
  scratch: string;
  /** Builds kept across analyses, and what their keys share; null: everything is built here. */
  cache: { templates: TemplateCache; common: CacheCommon } | null;
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

/** What head's and base's chains hold, from git (database.ts): the revision files in the order they apply. */
export interface HistoryFiles {
  shared: SharedHistory;
  chains: ChainHistory[];
}

/** What the runner reported while applying revisions: kept with a cached history, so that a copy reports the same. */
interface Applied {
  runs: { revision: string; path: string; statements: string[] }[];
  standIns: StandInInfo[];
}

type Failure = MigrationFailure | null;

export async function buildDatabase(
  tools: BuildTools,
  database: DatabaseConfig,
  head: Tree,
  starts: StartingPoint[],
  modelFiles: string[],
  history: HistoryFiles | null = null,
): Promise<DatabaseBuilds> {
  const name = database.name;
  const legs = new Legs(tools, name);

  // The history base and head share is built once, from base's tree (or copied from the
  // cache), and both the fresh and the upgraded database start as copies of it.
  const shared = history && starts[0]?.database ? await sharedHistory(tools, legs, starts[0].tree, starts[0].database.chains, history) : null;
  const resume = shared ? history!.shared.wholeChains : 0;

  // The builds side by side, each on a runner of its own; models wait for fresh's extensions.
  const freshLeg = tools.runners.use(async (runner) => {
    const target = shared?.fresh ?? (await tools.time('create databases', () => tools.databases.create(`${name}_fresh`)));
    const rest = await tools.time('build fresh', () => legs.apply(runner, target, head, database.chains.slice(resume), 'fresh'));
    const runs = [...(shared?.runs ?? []), ...rest.runs];
    const schema = rest.failure ? null : await tools.time('introspect', () => readSchema(target));
    return { database: target, schema, runs, failure: rest.failure, standIns: rest.standIns };
  });
  const upgradedLegs = starts.map((start, i) =>
    tools.runners.use(async (runner) => {
      const fromShared = i === 0 && shared !== null;
      const target = fromShared ? shared.upgraded : await tools.time('create databases', () => tools.databases.create(`${name}_upgraded${i || ''}`));
      const built = start.database
        ? await tools.time('build base', () => legs.apply(runner, target, start.tree, start.database!.chains.slice(fromShared ? resume : 0), 'base'))
        : { runs: [], failure: null, standIns: [] };
      const startRuns = [...(fromShared ? shared.runs : []), ...built.runs];
      const after = built.failure
        ? { runs: [], failure: built.failure, standIns: [] }
        : await tools.time('upgrade to head', () => legs.apply(runner, target, head, database.chains, 'upgraded'));
      const failure: Failure = after.failure ? { ...after.failure, startingPoint: start.ref } : null;
      const schema = failure ? null : await tools.time('introspect', () => readSchema(target));
      const build: UpgradedBuild = { database: target, schema, runs: [...startRuns, ...after.runs], failure, startingPoint: start.ref, startRuns };
      return { build, standIns: [...built.standIns, ...after.standIns] };
    }),
  );
  const modelsLeg =
    modelFiles.length > 0
      ? freshLeg.then(async (fresh) => {
          // Models use the types extensions bring (citext, ltree…) but never create them: the
          // migrations do. Give the models database what the fresh install has.
          const extensions = fresh.failure ? [] : await tools.databases.extensionsOf(fresh.database);
          return modelsBuild(tools, head, name, modelFiles, extensions, history);
        })
      : Promise.resolve(null);
  // Every leg is awaited before any failure is thrown: none is left running.
  const [fresh, upgraded, models] = await Promise.all([
    freshLeg,
    Promise.all(upgradedLegs),
    modelsLeg.then(
      (value) => ({ value, error: null }),
      (error: unknown) => ({ value: null, error }),
    ),
  ]).catch(async (error: unknown) => {
    await Promise.allSettled([freshLeg, ...upgradedLegs, modelsLeg]);
    throw error;
  });
  if (models.error) throw models.error;
  const standIns = [...(shared?.standIns ?? []), ...fresh.standIns, ...upgraded.flatMap((u) => u.standIns), ...(models.value?.standIns ?? [])];
  return {
    fresh: { database: fresh.database, schema: fresh.schema, runs: fresh.runs, failure: fresh.failure },
    upgraded: upgraded.map((u) => u.build),
    models: models.value ? { schema: models.value.schema, tables: models.value.tables, errors: models.value.errors } : null,
    standIns: dedupe(standIns.map((s) => ({ module: s.module, database: name, importedFrom: s.importedFrom }))),
  };
}

/** Applying chains with a runner, as a build of one database does it. */
class Legs {
  constructor(
    private readonly tools: BuildTools,
    readonly name: string,
  ) {}

  /** Applies each chain to its heads, or the last one only up to `upTo`. */
  async apply(
    runner: AlembicRunner,
    target: ThrowawayDatabase,
    tree: Tree,
    chains: ChainConfig[],
    build: MigrationFailure['build'],
    upTo: string | null = null,
  ): Promise<{ runs: RevisionRun[]; failure: Failure; standIns: StandInInfo[] }> {
    const runs: RevisionRun[] = [];
    const standIns: StandInInfo[] = [];
    for (const [i, chain] of chains.entries()) {
      this.announce(build, chain);
      const result = await runner.upgrade({
        url: target.runnerUrl,
        versions: join(tree.dir, chain.versions),
        versionTable: chain.versionTable,
        statementTimeoutMs: this.tools.statementTimeoutMs,
        ...(upTo !== null && i === chains.length - 1 ? { target: upTo } : {}),
        ...treeArgs(tree),
      });
      standIns.push(...result.standIns);
      runs.push(...(await withContent(tree, result.applied)));
      if (result.failure) return { runs, failure: { ...result.failure, database: this.name, build }, standIns };
    }
    return { runs, failure: null, standIns };
  }

  /** The progress line a chain gets, applied here or copied from the cache alike. */
  announce(build: MigrationFailure['build'], chain: ChainConfig): void {
    this.tools.log(`${this.name}: ${build}: applying ${chain.versions}`);
  }
}

async function withContent(tree: Tree, applied: Applied['runs']): Promise<RevisionRun[]> {
  return Promise.all(applied.map(async (run) => ({ ...run, content: await readFile(join(tree.dir, run.path), 'utf8').catch(() => '') })));
}

interface SharedStart {
  /** Copies of the shared history, to build fresh and upgraded on. */
  fresh: ThrowawayDatabase;
  upgraded: ThrowawayDatabase;
  runs: RevisionRun[];
  standIns: StandInInfo[];
}

/**
 * Base's side of the shared history, as two databases the fresh and the upgraded builds
 * start from: copied from the cache when it has this history, else built (from the
 * longest cached part of it, if any) and kept. If it fails, nothing is shared: the
 * builds run whole and report the failure where it belongs.
 */
async function sharedHistory(tools: BuildTools, legs: Legs, tree: Tree, chains: ChainConfig[], history: HistoryFiles): Promise<SharedStart | null> {
  const { upTo, wholeChains } = history.shared;
  const part = chains.slice(0, wholeChains + (upTo ? 1 : 0));
  const name = legs.name;
  if (!tools.cache) {
    const database = await tools.time('create databases', () => tools.databases.create(`${name}_shared`));
    const built = await tools.time('build shared history', () => tools.runners.use((runner) => legs.apply(runner, database, tree, part, 'base', upTo)));
    if (built.failure) return null;
    const [fresh, upgraded] = await tools.time('create databases', () =>
      Promise.all([tools.databases.copy(database, `${name}_fresh`), tools.databases.copy(database, `${name}_upgraded`)]),
    );
    return { fresh, upgraded, runs: built.runs, standIns: built.standIns };
  }
  const { templates, common } = tools.cache;
  const steps = historySteps(treeKey(common, tree.identity, revisionPaths(history.chains, 'base')), partFiles(history.chains, part, upTo));
  const last = steps[steps.length - 1];
  if (!last) return null;
  const found = await templates.find<Applied>(steps.map((step) => step.key));
  if (found?.key === last.key) {
    const copies = await copiesOf(tools, name, found);
    if (copies) {
      for (const chain of part) legs.announce('base', chain);
      tools.log(`${name}: base: reused the cached history up to ${last.revision}`);
      return { ...copies, runs: await withContent(tree, found.result.runs), standIns: found.result.standIns };
    }
  }
  // Built by a role of its own, so that its objects can change hands when it is kept.
  const builder = tools.databases.sibling();
  try {
    // From the longest part of it the cache has, if any.
    const partial = found && found.key !== last.key ? await tools.time('create databases', () => templates.copy(found, builder, `${name}_shared`)) : null;
    const from = partial ? steps.find((step) => step.key === found!.key)! : null;
    const database = partial ?? (await tools.time('create databases', () => builder.create(`${name}_shared`)));
    const cached: Applied = partial ? found!.result : { runs: [], standIns: [] };
    // The chains the cached part finished are skipped; the one it stopped in continues.
    const doneChains = from ? (from.revision === lastRevisionOf(history.chains, part, from.chain, upTo) ? from.chain + 1 : from.chain) : 0;
    for (const chain of part.slice(0, doneChains)) legs.announce('base', chain);
    if (from) tools.log(`${name}: base: reused the cached history up to ${from.revision}`);
    const built = await tools.time('build shared history', () =>
      tools.runners.use((runner) => legs.apply(runner, database, tree, part.slice(doneChains), 'base', upTo)),
    );
    if (built.failure) return null;
    const result: Applied = {
      runs: [...cached.runs, ...built.runs.map(({ revision, path, statements }) => ({ revision, path, statements }))],
      standIns: [...cached.standIns, ...built.standIns],
    };
    await tools.time('cache', () => templates.publish(database, builder, last.key, 'history', result));
    // Ours, or the one another analysis published first: the same inputs, the same history.
    const published = await templates.find<Applied>([last.key]);
    const copies = published ? await copiesOf(tools, name, published) : null;
    if (!copies) return null;
    return { ...copies, runs: await withContent(tree, result.runs), standIns: result.standIns };
  } finally {
    await builder.dropAll();
  }
}

async function copiesOf(tools: BuildTools, name: string, template: CachedTemplate<unknown>): Promise<{ fresh: ThrowawayDatabase; upgraded: ThrowawayDatabase } | null> {
  const templates = tools.cache!.templates;
  const [fresh, upgraded] = await tools.time('create databases', () =>
    Promise.all([templates.copy(template, tools.databases, `${name}_fresh`), templates.copy(template, tools.databases, `${name}_upgraded`)]),
  );
  return fresh && upgraded ? { fresh, upgraded } : null;
}

/** The revision files of base's side of each chain of the part, in the order they apply, the last chain only up to `upTo`. */
function partFiles(chains: ChainHistory[], part: ChainConfig[], upTo: string | null): { config: ChainConfig; files: RevisionFile[] }[] {
  return part.map((config, i) => {
    const chain = chains[i]!;
    const byId = new Map(chain.baseFiles.map((file) => [file.revision, file]));
    const order = chain.base?.order ?? [];
    const end = i === part.length - 1 && upTo ? order.indexOf(upTo) + 1 : order.length;
    return { config, files: order.slice(0, end).map((id) => byId.get(id)!) };
  });
}

function lastRevisionOf(chains: ChainHistory[], part: ChainConfig[], index: number, upTo: string | null): string | undefined {
  const files = partFiles(chains, part, upTo)[index]?.files ?? [];
  return files[files.length - 1]?.revision;
}

function revisionPaths(chains: ChainHistory[], side: 'base' | 'head'): Set<string> {
  return new Set(chains.flatMap((chain) => (side === 'base' ? chain.baseFiles : chain.headFiles).map((file) => file.path)));
}

/** Head's models, in a database of their own: from the cache when it has this build, else built and kept. */
async function modelsBuild(
  tools: BuildTools,
  head: Tree,
  name: string,
  modelFiles: string[],
  extensions: Extension[],
  history: HistoryFiles | null,
): Promise<{ schema: Schema; tables: ModelTable[]; errors: { path: string; message: string }[]; standIns: StandInInfo[] }> {
  const build = async (databases: ThrowawayDatabases) => {
    const modelsDb = await tools.time('create databases', () => databases.create(`${name}_models`));
    await tools.time('build models', () => tools.databases.createExtensions(modelsDb, extensions));
    const result = await tools.time('build models', () =>
      tools.runners.use((runner) =>
        runner.buildModels({
          url: modelsDb.runnerUrl,
          files: modelFiles.map((file) => join(head.dir, file)),
          statementTimeoutMs: tools.statementTimeoutMs,
          ...treeArgs(head),
        }),
      ),
    );
    const schema = await tools.time('introspect', () => readSchema(modelsDb));
    return { database: modelsDb, schema, tables: result.tables, errors: result.errors, standIns: result.standIns };
  };
  if (!tools.cache) return build(tools.databases);
  const { templates, common } = tools.cache;
  const key = modelsKey(treeKey(common, head.identity, revisionPaths(history?.chains ?? [], 'head')), modelFiles, extensions);
  const found = await templates.find<{ tables: ModelTable[]; errors: { path: string; message: string }[]; standIns: StandInInfo[] }>([key]);
  const copy = found && (await tools.time('create databases', () => templates.copy(found, tools.databases, `${name}_models`)));
  if (found && copy) {
    tools.log(`${name}: reused the cached models build`);
    return { schema: await tools.time('introspect', () => readSchema(copy)), ...found.result };
  }
  const builder = tools.databases.sibling();
  try {
    const built = await build(builder);
    // A build that reported errors is not kept: the next analysis tries again.
    if (built.errors.length === 0) {
      await tools.time('cache', () => templates.publish(built.database, builder, key, 'models', { tables: built.tables, errors: built.errors, standIns: built.standIns }));
    }
    return built;
  } finally {
    await builder.dropAll();
  }
}

export function readSchema(database: ThrowawayDatabase): Promise<Schema> {
  return withClient(database.url, (client) => introspect(client));
}

function dedupe(standIns: StandIn[]): StandIn[] {
  const seen = new Set<string>();
  return standIns.filter((s) => !seen.has(s.module) && seen.add(s.module));
}
