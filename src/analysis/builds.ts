/**
 * Builds one database the three ways README "What it does" describes, by really running Alembic:
 * fresh (head's chains from nothing), upgraded (base's chains, then head's on top) and
 * models (head's SQLAlchemy metadata, created with `create_all`), and reads each back
 * from Postgres's catalogs. A database installed from its models (`install: models`) has
 * no fresh build of its own: a new install is `create_all`, then `alembic stamp head`,
 * and that one database is both fresh and models.
 */
import { join } from 'node:path';
import type { AlembicRunner, StandInInfo, ModelTable, ModelsResult, TreeArgs } from '../alembic/bridge.js';
import type { RunnerPool } from '../alembic/runner-pool.js';
import type { ChainConfig, DatabaseConfig, PythonConfig } from '../config/config.js';
import type { Extension, ThrowawayDatabase, ThrowawayDatabases } from '../postgres/throwaway.js';
import type { CachedTemplate, TemplateCache } from '../postgres/template-cache.js';
import { withClient } from '../postgres/client.js';
import { RunnerError } from '../errors.js';
import { introspect } from '../schema/introspect.js';
import type { Schema } from '../schema/schema.js';
import type { MigrationFailure, StandIn } from '../report/report.js';
import type { RevisionRun } from './causes.js';
import { sharesAllOfBase, type ChainHistory, type SharedHistory } from './shared-history.js';
import { historySteps, modelsKey, treeKey, type CacheCommon, type HistoryStep, type TreeIdentity } from './cache-keys.js';
import type { RevisionFile } from './edited-migrations.js';
import { readTreeFile } from '../workspace/tree-files.js';

/** One git tree as materialized on disk, with the configuration it is built with. */
export interface Tree {
  dir: string;
  /** The runner in this side's Python environment (its own dependencies, or driftbot's): scans, the fix. */
  runner: AlembicRunner;
  /** Runners in the same environment, for the builds that run side by side (the first is `runner`). */
  runners: RunnerPool;
  /** That environment's identity, for the keys of cached builds; null when nothing is cached. */
  environmentKey: string | null;
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
  databases: ThrowawayDatabases;
  log: (message: string) => void;
  /** Adds the time of a named phase to the report's timings. */
  time: <T>(phase: string, work: () => Promise<T>) => Promise<T>;
  statementTimeoutMs: number;
  /** The one folder the runner may write (the fix is verified from a copy made there). */
  scratch: string;
  /** Builds kept across analyses, and what their keys share; null: everything is built here. */
  cache: { templates: TemplateCache; common: Omit<CacheCommon, 'environmentKey'> } | null;
}

/** What a tree's builds are kept under: what every key shares, and the environment it runs in. */
function cacheCommon(tools: BuildTools, tree: Tree): CacheCommon | null {
  return tools.cache && tree.environmentKey ? { ...tools.cache.common, environmentKey: tree.environmentKey } : null;
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
  /** This commit's model files (its `models` globs matched in its tree): what its own new installs were made from (install: models). */
  modelFiles: string[];
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
  modelInputs: ModelInputs,
  history: HistoryFiles | null = null,
): Promise<DatabaseBuilds> {
  const modelFiles = modelInputs.files;
  const name = database.name;
  const legs = new Legs(tools, name);
  // A new install made from the models (install: models) shares no history with the migrations.
  const fromMigrations = database.install === 'migrations';

  // The history base and head share is built once, from base's tree (or copied from the
  // cache), and both the fresh and the upgraded database start as copies of it.
  const base = starts[0];
  // Upgrading base is then what fresh does: the same history (all of base's), the same
  // revisions of head applied on it in head's tree, and every revision loaded in head's
  // tree by both — fresh goes on from the first chain, or head's other files the runner
  // reads are base's, in the same environment (fresh skips chains it shares whole).
  const oneBuild =
    fromMigrations &&
    history !== null &&
    base?.database != null &&
    sharesAllOfBase(history) &&
    (history.shared.wholeChains === 0 || sameCode(head, base.tree, history, otherVersions(modelInputs.versions, database)));
  const shared = fromMigrations && history && base?.database ? await sharedHistory(tools, legs, base.tree, base.database.chains, history, oneBuild) : null;
  const resume = shared ? history!.shared.wholeChains : 0;

  const freshOfMigrations = (): Promise<FreshBuilt> =>
    head.runners.use(async (runner) => {
      const target = shared?.fresh ?? (await tools.time('create databases', () => tools.databases.create(`${name}_fresh`)));
      const rest = await tools.time('build fresh', () => legs.apply(runner, target, head, database.chains.slice(resume), 'fresh'));
      const runs = [...(shared?.runs ?? []), ...rest.runs];
      const schema = rest.failure ? null : await tools.time('introspect', () => readSchema(target));
      return { database: target, schema, runs, failure: rest.failure, standIns: rest.standIns, models: null };
    });
  const freshOfMigrationsLeg = fromMigrations ? freshOfMigrations() : null;

  // The builds side by side, each on a runner of its own.
  const upgradedLegs = starts.map(async (start, i) => {
    const fromShared = i === 0 && shared !== null;
    if (fromShared && oneBuild) return asUpgraded(legs, database.chains, start.ref, shared.runs, await freshOfMigrationsLeg!);
    const target = fromShared && shared.upgraded ? shared.upgraded : await tools.time('create databases', () => tools.databases.create(`${name}_upgraded${i || ''}`));
    const wholeBase = fromShared ? shared.wholeBase : null;
    // Base in base's environment, head on top in head's: each side with its own dependencies.
    // Installed from the models, an existing database began as base's own new install
    // (its migrations need not build anything from nothing: Dispatch's first revisions are empty).
    const built =
      start.database && !wholeBase
        ? await tools.time('build base', () =>
            fromMigrations
              ? start.tree.runners.use((runner) => legs.apply(runner, target, start.tree, start.database!.chains.slice(fromShared ? resume : 0), 'base'))
              : installFromModels(tools, legs, start.tree, start.database!, { files: start.modelFiles, versions: modelInputs.versions }, target, 'base'),
          )
        : { runs: [], failure: null, standIns: wholeBase?.standIns ?? [] };
    const startRuns = wholeBase ? wholeBase.runs : [...(fromShared ? shared.runs : []), ...built.runs];
    const after = built.failure
      ? { runs: [], failure: built.failure, standIns: [] }
      : await tools.time('upgrade to head', () => head.runners.use((runner) => legs.apply(runner, target, head, database.chains, 'upgraded')));
    const failure: Failure = after.failure ? { ...after.failure, startingPoint: start.ref } : null;
    const schema = failure ? null : await tools.time('introspect', () => readSchema(target));
    const build: UpgradedBuild = { database: target, schema, runs: [...startRuns, ...after.runs], failure, startingPoint: start.ref, startRuns };
    return { build, standIns: [...built.standIns, ...after.standIns] };
  });
  const freshLeg: Promise<FreshBuilt> = freshOfMigrationsLeg ?? modelsInstall(tools, legs, head, database, modelInputs, upgradedLegs[0] ?? null);
  // Models use the types extensions bring (citext, ltree…) but never create them: the
  // migrations do. The models database is given what the fresh install has. Fresh
  // starting from the shared history, the models build begins beside it with that
  // history's extensions, and is made again only if head's revisions added one.
  const early =
    modelFiles.length > 0 && fromMigrations && shared
      ? tools.databases.extensionsOf(shared.fresh).then((extensions) => {
          const built = modelsBuild(tools, head, database, modelInputs, extensions);
          // Awaited below, or dropped when fresh's extensions differ: never an unhandled rejection meanwhile.
          built.catch(() => {});
          return { extensions, built };
        })
      : null;
  const modelsLeg =
    modelFiles.length > 0 && fromMigrations
      ? freshLeg.then(async (fresh) => {
          const extensions = fresh.failure ? [] : await tools.databases.extensionsOf(fresh.database);
          const begun = await early?.catch(() => null);
          if (begun && JSON.stringify(begun.extensions) === JSON.stringify(extensions)) return begun.built;
          await begun?.built.catch(() => {});
          return modelsBuild(tools, head, database, modelInputs, extensions, begun ? 'models_again' : 'models');
        })
      : freshLeg.then((fresh) => fresh.models);
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
  const standIns = [...(shared?.standIns ?? []), ...fresh.standIns, ...upgraded.flatMap((u) => u.standIns), ...(fromMigrations ? (models.value?.standIns ?? []) : [])];
  return {
    fresh: { database: fresh.database, schema: fresh.schema, runs: fresh.runs, failure: fresh.failure },
    upgraded: upgraded.map((u) => u.build),
    models: models.value ? { schema: models.value.schema, tables: models.value.tables, errors: models.value.errors, warnings: models.value.warnings } : null,
    standIns: dedupe(standIns.map((s) => ({ module: s.module, database: name, importedFrom: s.importedFrom }))),
  };
}

/** A fresh build, and when it is the models' own (install: models), what importing them gave. */
interface FreshBuilt {
  database: ThrowawayDatabase;
  schema: Schema | null;
  runs: RevisionRun[];
  failure: Failure;
  standIns: StandInInfo[];
  models: ModelsBuilt | null;
}

/**
 * A new install made the way `install: models` says: `create_all` of head's models (with
 * the extensions the upgraded database has: the models use their types, never create
 * them), then `alembic stamp head` for each chain. That database is both fresh and models.
 */
async function modelsInstall(
  tools: BuildTools,
  legs: Legs,
  head: Tree,
  database: DatabaseConfig,
  models: ModelInputs,
  upgradedLeg: Promise<{ build: UpgradedBuild }> | null,
): Promise<FreshBuilt> {
  const name = database.name;
  const target = await tools.time('create databases', () => tools.databases.create(`${name}_fresh`));
  const upgraded = upgradedLeg ? (await upgradedLeg).build : null;
  const extensions = upgraded && !upgraded.failure ? await tools.databases.extensionsOf(upgraded.database) : [];
  await tools.time('build fresh', () => tools.databases.createExtensions(target, extensions));
  const { failure, models: built } = await tools.time('build fresh', () => installFromModels(tools, legs, head, database, models, target, 'fresh'));
  const schema = failure ? null : await tools.time('introspect', () => readSchema(target));
  return { database: target, schema, runs: [], failure, standIns: built.standIns, models: schema ? { ...built, schema } : null };
}

/**
 * `create_all` of a tree's models in `target`, then `alembic stamp` of each of its chains
 * at their heads: a new install as that commit made it (install: models). A failure is
 * `build`'s: base's when it is an existing database's beginning.
 */
async function installFromModels(
  tools: BuildTools,
  legs: Legs,
  tree: Tree,
  database: DatabaseConfig,
  inputs: ModelInputs,
  target: ThrowawayDatabase,
  build: 'fresh' | 'base',
): Promise<{ runs: RevisionRun[]; failure: Failure; standIns: StandInInfo[]; models: Omit<ModelsBuilt, 'schema'> }> {
  const name = database.name;
  tools.log(`${name}: ${build}: create_all of the models`);
  const models = await tree.runners.use((runner) => importModels(tools, runner, tree, database, inputs, target));
  if (models.errors.length) return { runs: [], failure: { ...modelsFailure(name, models.errors), ...(build === 'base' ? { build } : {}) }, standIns: models.standIns, models };
  for (const chain of database.chains) {
    tools.log(`${name}: ${build}: stamping ${chain.versions} at its heads`);
    const stamped = await tree.runners.use((runner) => runner.upgrade({ ...legs.chainArgs(target, tree, chain), stamp: true }));
    if (stamped.failure) return { runs: [], failure: { ...stamped.failure, database: name, build }, standIns: models.standIns, models };
  }
  return { runs: [], failure: null, standIns: models.standIns, models };
}

/** `create_all` of the model files in `target`, by one runner; a runner error (create_all itself failed) becomes the build's error. */
async function importModels(
  tools: BuildTools,
  runner: AlembicRunner,
  head: Tree,
  database: DatabaseConfig,
  models: ModelInputs,
  target: ThrowawayDatabase,
): Promise<Omit<ModelsBuilt, 'schema'>> {
  const result: ModelsResult | { failed: string } = await runner
    .buildModels({
      url: target.runnerUrl,
      files: models.files.map((file) => join(head.dir, file)),
      // Revision files are never where a model is declared (a data migration's `sa.Table(…)` is not).
      skip: models.versions.map((versions) => join(head.dir, versions)),
      chainSchemas: chainSchemas(database.chains),
      statementTimeoutMs: tools.statementTimeoutMs,
      ...treeArgs(head),
    })
    .catch((error: unknown) => {
      // create_all itself failed (a type the models use but never create…): said beside the installs' findings.
      if (!(error instanceof RunnerError)) throw error;
      return { failed: error.message };
    });
  if ('failed' in result) return { tables: [], errors: [{ path: null, message: result.failed }], warnings: [], standIns: [] };
  return { tables: result.tables, errors: result.errors, warnings: result.warnings, standIns: result.standIns };
}

/** The schemas the chains run in: the models' tables without a schema land in the one the models name for no table (the runner decides). */
export function chainSchemas(chains: ChainConfig[]): string[] {
  return [...new Set(chains.map((chain) => chain.schema).filter((schema): schema is string => schema !== null))];
}

/** Models that cannot be imported leave a new install made from them unknown. */
function modelsFailure(database: string, errors: { path: string | null; message: string }[]): MigrationFailure {
  const [first] = errors;
  return { database, build: 'models', revision: '(models)', path: first!.path ?? '', line: null, error: errors.map((e) => e.message).join('\n') };
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
      const result = await runner.upgrade({ ...this.chainArgs(target, tree, chain), ...(upTo !== null && i === chains.length - 1 ? { target: upTo } : {}) });
      standIns.push(...result.standIns);
      runs.push(...withContent(tree, result.applied));
      if (result.failure) return { runs, failure: { ...result.failure, database: this.name, build }, standIns };
    }
    return { runs, failure: null, standIns };
  }

  /** One chain of a tree on a database: in its schema, with its version table. */
  chainArgs(target: ThrowawayDatabase, tree: Tree, chain: ChainConfig) {
    return {
      url: target.runnerUrl,
      versions: join(tree.dir, chain.versions),
      versionTable: chain.versionTable,
      schema: chain.schema,
      statementTimeoutMs: this.tools.statementTimeoutMs,
      ...treeArgs(tree),
    };
  }

  /** The progress line a chain gets, applied here or copied from the cache alike. */
  announce(build: MigrationFailure['build'], chain: ChainConfig): void {
    this.tools.log(`${this.name}: ${build}: applying ${chain.versions}`);
  }
}

function withContent(tree: Tree, applied: Applied['runs']): RevisionRun[] {
  return applied.map((run) => ({ ...run, content: readTreeFile(tree.dir, run.path) ?? '' }));
}

interface SharedStart {
  /** Copies of the shared history, to build fresh and upgraded on (upgraded: none when it is fresh's build). */
  fresh: ThrowawayDatabase;
  upgraded: ThrowawayDatabase | null;
  runs: RevisionRun[];
  standIns: StandInInfo[];
  /** When `upgraded` is a copy of all of base's history (kept), what applying it ran: the upgraded build applies only head then. */
  wholeBase: { runs: RevisionRun[]; standIns: StandInInfo[] } | null;
}

/**
 * Base's side of the shared history, as two databases the fresh and the upgraded builds
 * start from. With a cache, two histories are kept: the shared part (fresh goes on from
 * it) and all of base (upgraded goes on from it: base's history is replayed by nobody
 * while base does not change); each is copied when kept, else built from the longest
 * kept part of it. If a build fails, nothing is shared: the builds run whole and report
 * the failure where it belongs.
 */
async function sharedHistory(tools: BuildTools, legs: Legs, tree: Tree, chains: ChainConfig[], history: HistoryFiles, oneBuild: boolean): Promise<SharedStart | null> {
  const { upTo, wholeChains } = history.shared;
  const part = chains.slice(0, wholeChains + (upTo ? 1 : 0));
  const name = legs.name;
  const common = cacheCommon(tools, tree);
  if (!tools.cache || !common) {
    const database = await tools.time('create databases', () => tools.databases.create(`${name}_shared`));
    const built = await tools.time('build shared history', () => tree.runners.use((runner) => legs.apply(runner, database, tree, part, 'base', upTo)));
    if (built.failure) return null;
    const [fresh, upgraded] = await tools.time('create databases', () =>
      Promise.all([tools.databases.copy(database, `${name}_fresh`), oneBuild ? null : tools.databases.copy(database, `${name}_upgraded`)]),
    );
    return { fresh, upgraded, runs: built.runs, standIns: built.standIns, wholeBase: null };
  }
  const treeId = treeKey(common, tree.identity, revisionPaths(history.chains, 'base'));
  const sharedSteps = historySteps(treeId, partFiles(history.chains, part, upTo));
  const baseSteps = historySteps(treeId, partFiles(history.chains, chains, null));
  const shared = await keptHistory(tools, legs, tree, part, upTo, sharedSteps);
  if (!shared) return null;
  // Base's whole history starts the same: it is built on from the shared part (or is it).
  const whole = baseSteps[baseSteps.length - 1]?.key === shared.key ? shared : await keptHistory(tools, legs, tree, chains, null, baseSteps);
  const templates = tools.cache.templates;
  const [fresh, upgraded] = await tools.time('create databases', () =>
    Promise.all([templates.copy(shared, tools.databases, `${name}_fresh`), oneBuild ? null : templates.copy(whole ?? shared, tools.databases, `${name}_upgraded`)]),
  );
  // Evicted between being kept and copied (a busy server): build without.
  if (!fresh || (!oneBuild && !upgraded)) return null;
  // Upgraded then applies only head's revisions (when the shared part is all of base, too: base has nothing left to apply).
  const wholeBase = whole ? { runs: withContent(tree, whole.result.runs), standIns: whole.result.standIns } : null;
  return { fresh, upgraded, runs: withContent(tree, shared.result.runs), standIns: shared.result.standIns, wholeBase };
}

/**
 * The history of `steps` as a kept template: found, or built (from the longest kept part
 * of it) by a role of its own and kept. Null when it fails to build, or the server
 * would not keep it.
 */
async function keptHistory(tools: BuildTools, legs: Legs, tree: Tree, chains: ChainConfig[], upTo: string | null, steps: HistoryStep[]): Promise<CachedTemplate<Applied> | null> {
  const { templates } = tools.cache!;
  const name = legs.name;
  const last = steps[steps.length - 1];
  if (!last) return null;
  const found = await templates.find<Applied>(steps.map((step) => step.key));
  if (found?.key === last.key) {
    for (const chain of chains) legs.announce('base', chain);
    tools.log(`${name}: base: reused the kept history up to ${last.revision}`);
    return found;
  }
  const builder = tools.databases.sibling();
  try {
    const partial = found ? await tools.time('create databases', () => templates.copy(found, builder, `${name}_history`)) : null;
    const from = partial ? steps.find((step) => step.key === found!.key)! : null;
    let database = partial ?? (await tools.time('create databases', () => builder.create(`${name}_history`)));
    const cached: Applied = partial ? found!.result : { runs: [], standIns: [] };
    // The chains the kept part finished are skipped; the one it stopped in goes on.
    const chainFiles = steps.filter((step) => step.chain === from?.chain);
    const doneChains = from ? (chainFiles[chainFiles.length - 1]?.key === from.key ? from.chain + 1 : from.chain) : 0;
    for (const chain of chains.slice(0, doneChains)) legs.announce('base', chain);
    if (from) tools.log(`${name}: base: building on the kept history up to ${from.revision}`);
    const result: Applied = { runs: [...cached.runs], standIns: [...cached.standIns] };
    // A chain at a time, and the end of each but the last kept too: a pull request that adds
    // revisions to an earlier chain (core, when tracing follows) shares base's history up
    // to that chain's end, which a history kept only whole never offers.
    for (let index = doneChains; index < chains.length; index++) {
      const final = index === chains.length - 1;
      const chain = chains[index]!;
      const built = await tools.time('build shared history', () => tree.runners.use((runner) => legs.apply(runner, database, tree, [chain], 'base', final ? upTo : null)));
      if (built.failure) return null;
      result.runs.push(...built.runs.map(({ revision, path, statements }) => ({ revision, path, statements })));
      result.standIns.push(...built.standIns);
      const end = steps.filter((step) => step.chain === index).pop();
      if (!final && end) {
        const going = database;
        const next = await tools.time('cache', () => keepPart(tools, builder, going, end.key, result, name));
        if (!next) return null;
        database = next;
      }
    }
    await tools.time('cache', () => templates.publish(database, builder, last.key, 'history', result));
    // Ours, or the one another analysis kept first: the same inputs, the same history.
    return await templates.find<Applied>([last.key], { counted: false });
  } finally {
    await builder.dropAll();
  }
}

/**
 * Keeps the history built so far under `key`: the database becomes the template, and the
 * build goes on in a copy of it (a copy made from a database still being built would
 * lose its builder's rights to it when kept). Kept by another analysis first: the build
 * goes on where it is. Null when the copy cannot be made (the template evicted meanwhile).
 */
async function keepPart(
  tools: BuildTools,
  builder: ThrowawayDatabases,
  building: ThrowawayDatabase,
  key: string,
  result: Applied,
  name: string,
): Promise<ThrowawayDatabase | null> {
  const { templates } = tools.cache!;
  try {
    if (!(await templates.publish(building, builder, key, 'history', { runs: [...result.runs], standIns: [...result.standIns] }))) return building;
    const kept = await templates.find<Applied>([key], { counted: false });
    return kept && (await templates.copy(kept, builder, `${name}_history`));
  } catch (error) {
    // Half kept, the database may be the cache's now: the builds run whole, and find the same.
    tools.log(`${name}: could not keep base's history up to the end of a chain (${(error as Error).message}): building without it`);
    return null;
  }
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

function revisionPaths(chains: ChainHistory[], side: 'base' | 'head'): Set<string> {
  return new Set(chains.flatMap((chain) => (side === 'base' ? chain.baseFiles : chain.headFiles).map((file) => file.path)));
}

/**
 * The upgraded build when it is fresh's (`oneBuild`): the same database and schema (the
 * fix is verified on it once), base's history as where it started, a failure as its own.
 * Its progress is said as if it ran.
 */
function asUpgraded(legs: Legs, chains: ChainConfig[], startingPoint: string, startRuns: RevisionRun[], fresh: FreshBuilt): { build: UpgradedBuild; standIns: StandInInfo[] } {
  for (const chain of chains) legs.announce('upgraded', chain);
  const failure: Failure = fresh.failure ? { ...fresh.failure, build: 'upgraded', startingPoint } : null;
  return { build: { database: fresh.database, schema: fresh.schema, runs: fresh.runs, failure, startingPoint, startRuns }, standIns: [] };
}

/**
 * Whether two trees run the same code in the same environment for this database's
 * chains: the same runners (one Python environment), the same settings, and the same
 * files by git blob id, apart from this database's revision files (compared by the
 * caller, in order) and other databases' versions folders (its revisions never load them).
 */
function sameCode(a: Tree, b: Tree, history: HistoryFiles, others: string[]): boolean {
  if (a.runners !== b.runners || a.identity.settings !== b.identity.settings) return false;
  const revisions = new Set([...revisionPaths(history.chains, 'base'), ...revisionPaths(history.chains, 'head')]);
  const files = (tree: Tree) =>
    [...tree.identity.blobs]
      .filter(([path]) => !revisions.has(path) && !others.some((folder) => path.startsWith(`${folder}/`)))
      .map(([path, blob]) => `${path}\0${blob}`)
      .sort()
      .join('\n');
  return files(a) === files(b);
}

/**
 * The versions folders of the other databases, but those inside one of this database's
 * (Alembic reads a versions folder's subfolders too) or shared with it.
 */
function otherVersions(all: string[], database: DatabaseConfig): string[] {
  const own = database.chains.map((chain) => chain.versions.replace(/^\.\//, '').replace(/\/+$/, ''));
  return all.filter((folder) => !own.some((mine) => folder === mine || folder.startsWith(`${mine}/`)));
}

/** What the models build imports (head's model files), and the versions folders of every database in head's configuration, which it never searches. */
export interface ModelInputs {
  files: string[];
  versions: string[];
}

/** What the models build gives: a schema, or the error that stopped it (the installs' comparison stands without it). */
interface ModelsBuilt {
  schema: Schema | null;
  tables: ModelTable[];
  errors: { path: string | null; message: string }[];
  warnings: string[];
  standIns: StandInInfo[];
}

/** Head's models, in a database of their own: from the cache when it has this build, else built and kept. */
async function modelsBuild(tools: BuildTools, head: Tree, database: DatabaseConfig, models: ModelInputs, extensions: Extension[], purpose = 'models'): Promise<ModelsBuilt> {
  const name = database.name;
  const build = async (databases: ThrowawayDatabases): Promise<ModelsBuilt & { database: ThrowawayDatabase }> => {
    const modelsDb = await tools.time('create databases', () => databases.create(`${name}_${purpose}`));
    await tools.time('build models', () => tools.databases.createExtensions(modelsDb, extensions));
    const result = await tools.time('build models', () => head.runners.use((runner) => importModels(tools, runner, head, database, models, modelsDb)));
    const failed = result.tables.length === 0 && result.errors.some((e) => e.path === null);
    const schema = failed ? null : await tools.time('introspect', () => readSchema(modelsDb));
    return { database: modelsDb, schema, ...result };
  };
  const common = cacheCommon(tools, head);
  if (!tools.cache || !common) return build(tools.databases);
  const { templates } = tools.cache;
  // Where tables without a schema land is part of what the build makes.
  // Files in any versions folder, of any database, are neither imported nor searched by the
  // build (`skip`), unless they are model files: a revision added elsewhere is not a miss.
  const unread = new Set([...head.identity.blobs.keys()].filter((path) => models.versions.some((v) => path.startsWith(`${v}/`)) && !models.files.includes(path)));
  const key = modelsKey(treeKey(common, head.identity, unread), models.files, extensions, chainSchemas(database.chains));
  // The schema read from the build is kept with it: nothing changes a models database
  // after it is built (the fix is verified on the installs), so a hit needs no copy.
  type Kept = Omit<ModelsBuilt, 'schema'> & { schema?: Schema };
  const found = await templates.find<Kept>([key]);
  if (found?.result.schema) {
    tools.log(`${name}: reused the kept models build`);
    return { ...found.result, schema: found.result.schema, warnings: found.result.warnings ?? [] };
  }
  // Kept before schemas were kept with it: read from a copy.
  const copy = found && (await tools.time('create databases', () => templates.copy(found, tools.databases, `${name}_models`)));
  if (found && copy) {
    tools.log(`${name}: reused the kept models build`);
    return { ...found.result, schema: await tools.time('introspect', () => readSchema(copy)), warnings: found.result.warnings ?? [] };
  }
  const builder = tools.databases.sibling();
  try {
    const built = await build(builder);
    // A build that reported errors is not kept: the next analysis tries again.
    if (built.errors.length === 0 && built.schema) {
      const kept: Kept = { tables: built.tables, errors: built.errors, warnings: built.warnings, standIns: built.standIns, schema: built.schema };
      await tools.time('cache', () => templates.publish(built.database, builder, key, 'models', kept));
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
