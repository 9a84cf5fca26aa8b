/**
 * One database, start to end: read its chains statically (what git says), build it the
 * three ways, compare, diagnose (causes, model references, code that will break), and
 * propose a verified fix. Returns what it found; it never touches the report, and each
 * build that fails is reported beside whatever the others could still show.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { ScanResult } from '../alembic/bridge.js';
import type { DatabaseConfig, DriftbotConfig } from '../config/config.js';
import { schemaDump } from '../schema/dump.js';
import type { Schema } from '../schema/schema.js';
import { modelledPart } from '../schema/declared.js';
import type { RepoFiles } from '../workspace/repo-files.js';
import { buildDatabase, type BuildTools, type StartingPoint, type Tree } from './builds.js';
import { attachCauses } from './causes.js';
import { environmentAdvice } from './environment-advice.js';
import { attachModelReferences, findBreakingCode, type ModelDeclaration, type SourceFile } from './code-references.js';
import { findEditedMigrations, type RevisionFile } from './edited-migrations.js';
import { compareBuilds } from './findings.js';
import { matchGlobs } from '../workspace/globs.js';
import { readTreeFile } from '../workspace/tree-files.js';
import { proposeFix } from './propose-fix.js';
import type { BreakingCode, DatabaseSummary, EditedMigration, Finding, Fix, Hazard, MigrationFailure, ReportError, SchemaDiff, StandIn } from '../report/report.js';
import { graphFindings, UNBUILDABLE } from './revision-graph.js';
import { sharedHistory, type ChainHistory } from './shared-history.js';
import { scanVersions } from './scan-cache.js';
import { lintRevisions } from '../hazards/lint.js';
import { FIX_LOCK_TIMEOUT } from '../fix/migration-file.js';
import type { RevisionRun } from './causes.js';
import { modelsForFix, splitPreexisting, type PullRequestChanges } from './preexisting.js';

export interface DatabaseOutcome {
  editedMigrations: EditedMigration[];
  findings: Finding[];
  upgradeFailure: MigrationFailure | null;
  errors: ReportError[];
  warnings: string[];
  standIns: StandIn[];
  breakingCode: BreakingCode[];
  schemaDiffs: SchemaDiff[];
  fixes: Fix[];
  hazards: Hazard[];
  summary: DatabaseSummary | null;
}

export interface DatabaseInput {
  database: DatabaseConfig;
  head: Tree;
  /** Base first. */
  starts: StartingPoint[];
  config: DriftbotConfig;
  headFiles: RepoFiles;
  scope: 'full' | 'static';
}

interface ChainScan {
  config: DatabaseConfig['chains'][number];
  baseConfig: DatabaseConfig['chains'][number] | null;
  head: ScanResult;
  base: ScanResult | null;
}

export async function analyseDatabase(tools: BuildTools, input: DatabaseInput): Promise<DatabaseOutcome> {
  // A static check (a stranger's pull request) keeps nothing on the server, scans included: it reads only git.
  const cache = input.scope === 'static' ? null : tools.cache;
  const { scans, kept } = await tools.time('read revisions', () => scanChains(cache, input.database, input.starts[0]!, input.head));
  try {
    return await analyseScanned(tools, input, scans);
  } finally {
    // New scans were kept while the database was built. Not keeping one changes nothing found: it is said, and scanned again next time.
    await tools.time('cache', () => kept.catch((error: Error) => tools.log(`could not keep the scan of a versions folder: ${error.message}`)));
  }
}

async function analyseScanned(tools: BuildTools, input: DatabaseInput, scans: ChainScan[]): Promise<DatabaseOutcome> {
  const { database, head, config } = input;
  const name = database.name;
  const base = input.starts[0]!;
  const outcome = emptyOutcome();

  // The static part: what git says about revisions base has already applied.
  const histories: ChainHistory[] = [];
  for (const chain of scans) {
    const files = { baseFiles: revisionFiles(chain.base, base.tree.dir), headFiles: revisionFiles(chain.head, head.dir) };
    histories.push({ ...chain, ...files });
    outcome.editedMigrations.push(...findEditedMigrations({ database: name, chain: chain.config.versions, base: files.baseFiles, head: files.headFiles }));
  }
  const graph = graphProblems(name, scans);
  outcome.findings.push(...graph.findings);
  outcome.warnings.push(...graph.alreadyOnBase);
  const unreadable = scans.flatMap((chain) => chain.head.problems.filter((p) => p.kind === 'unreadable'));
  outcome.errors.push(...unreadable.map((problem) => ({ message: problem.message, path: problem.path ?? null, revision: null })));
  if (unreadable.length || input.scope === 'static') return outcome;
  // Alembic cannot run such a chain (or runs one of two same-id files by chance): the findings say why.
  if (graph.findings.some((f) => UNBUILDABLE.has(f.name))) return { ...outcome, summary: summary(database, scans, false) };

  const modelFiles = matchGlobs(input.headFiles.paths, database.models);
  if (database.install === 'models' && modelFiles.length === 0) {
    outcome.errors.push({
      message: `database ${name} is installed from its models (install: models), but no model file was found: list them under databases[].models, or use install: migrations`,
      path: input.config.source === 'discovered' ? null : input.config.source,
      revision: null,
    });
    return { ...outcome, summary: summary(database, scans, false) };
  }
  // Only the same chains, in the same order, run with the same dependencies, can share a
  // history: the same file run with other packages (base's pins, head's) may build another schema.
  const sameChains = JSON.stringify(base.database?.chains ?? null) === JSON.stringify(database.chains) && base.tree.runner === head.runner;
  const shared = sameChains ? sharedHistory(histories) : null;
  const versionsFolders = config.databases.flatMap((d) => d.chains.map((chain) => chain.versions.replace(/^\.\//, '').replace(/\/+$/, '')));
  const modelInputs = { files: modelFiles, versions: versionsFolders };
  const builds = await buildDatabase(tools, database, head, input.starts, modelInputs, shared ? { shared, chains: histories } : null);
  outcome.standIns.push(...builds.standIns);
  outcome.warnings.push(...standInWarnings(builds.standIns, database, modelFiles));
  // A models build that fails leaves the installs' comparison standing: its error is reported beside it.
  outcome.errors.push(...(builds.models?.errors ?? []).map((error) => ({ message: `the models could not be built: ${error.message}`, path: error.path, revision: null })));
  outcome.warnings.push(...(builds.models?.warnings ?? []));

  const startFailure = builds.upgraded.find((u) => u.failure?.build === 'base')?.failure ?? null;
  if (builds.fresh.failure) {
    outcome.errors.push(freshFailure(builds.fresh.failure, startFailure));
    return { ...outcome, summary: summary(database, scans, false) };
  }
  if (startFailure) {
    outcome.errors.push({
      message: `the migrations of ${startFailure.startingPoint} fail on an empty database: ${startFailure.error}`,
      path: startFailure.path,
      revision: startFailure.revision,
    });
    return { ...outcome, summary: summary(database, scans, false) };
  }
  const upgradeFailure = builds.upgraded.find((u) => u.failure)?.failure ?? null;
  if (upgradeFailure) return { ...outcome, upgradeFailure, summary: summary(database, scans, false) };

  const fresh = builds.fresh.schema!;
  const upgraded = builds.upgraded.map((u) => ({ ...u, schema: u.schema! }));
  const models = builds.models?.schema ?? null;
  // A new install made by create_all has only what models can declare: installs are
  // compared on that (its triggers, views and functions, if any, come from elsewhere).
  const compared = comparedPart(database);

  // Compare (pure), then diagnose (pure): causes from git, references from the models.
  let findings = await tools.time('diff', async () =>
    mergeStartingPoints(upgraded.map((u) => compareBuilds(name, { fresh: compared(fresh), upgraded: compared(u.schema), models }, config.ignore, u.startingPoint))),
  );
  findings = attachCauses(findings, {
    // Installed from the models, no migration built the fresh database: what head's chains
    // did is what they did on the way up from base.
    headRuns: database.install === 'models' ? upgraded[0]!.runs : builds.fresh.runs,
    baseRuns: upgraded[0]!.startRuns,
    edited: outcome.editedMigrations,
    baseRevisions: new Set(scans.flatMap((chain) => (chain.base?.revisions ?? []).map((r) => r.revision))),
    headParents: new Map(scans.flatMap((chain) => chain.head.revisions.map((r) => [r.revision, r.downRevisions] as const))),
  });
  const declarations = modelDeclarations(builds.models?.tables ?? []);
  findings = attachModelReferences(findings, declarations);
  // Models that disagreed with the migrations before this branch are not its findings.
  const split = splitPreexisting(findings, await pullRequestChanges(builds.fresh.runs, scans, outcome.editedMigrations, declarations, head, base.tree));
  findings = split.findings;
  outcome.warnings.push(...split.preexisting.map(preexistingWarning));
  outcome.findings.push(...findings);
  outcome.breakingCode.push(...findBreakingCode(findings, declarations, await pythonSources(input.headFiles, head)).map((b) => ({ ...b, database: name })));
  outcome.schemaDiffs.push({ database: name, diff: schemaDiff(compared(upgraded[0]!.schema), compared(fresh)) });

  if (findings.length > 0 || graph.findings.some((f) => f.name === 'multiple-heads')) {
    const chain = fixChain(scans, findings);
    outcome.fixes.push(
      await proposeFix(tools, {
        database: name,
        findings,
        fresh: { ...builds.fresh, schema: fresh },
        upgraded,
        models: modelsForFix(models, split.preexisting, fresh),
        chain: chain.config,
        chainRevisions: chain.head.revisions,
        chainHeads: chain.head.heads,
        head,
        install: database.install,
        revisionSetting: config.fix.revision,
        ignore: config.ignore,
      }),
    );
  }
  const hazards = lintRevisions({
    database: name,
    revisions: [...deployedRevisions(upgraded[0]!, scans, outcome.editedMigrations), ...outcome.fixes.map(fixRun)],
    mapped: mappedColumns(builds.models?.tables ?? null),
  });
  outcome.hazards.push(...hazards.hazards);
  outcome.warnings.push(...hazards.warnings);
  return { ...outcome, summary: summary(database, scans, findings.length === 0) };
}

/** What this branch changed that a models finding could come from: its revisions, its model files. */
async function pullRequestChanges(
  headRuns: RevisionRun[],
  scans: ChainScan[],
  edited: EditedMigration[],
  declarations: ModelDeclaration[],
  head: Tree,
  base: Tree,
): Promise<PullRequestChanges> {
  const onBase = new Set(scans.flatMap((chain) => (chain.base?.revisions ?? []).map((r) => r.revision)));
  const editedIds = new Set(edited.map((e) => e.revision));
  const files = new Set(declarations.flatMap((d) => [d.path, ...d.columns.map((c) => c.path)]));
  const changed = new Set<string>();
  for (const file of files) {
    const [ours, theirs] = [readTreeFile(head.dir, file), readTreeFile(base.dir, file)];
    if (ours === null || ours !== theirs) changed.add(file);
  }
  return {
    newOrEditedRuns: headRuns.filter((run) => !onBase.has(run.revision) || editedIds.has(run.revision)),
    changed: (path) => changed.has(path),
    declaredIn: (table) => declarations.filter((d) => d.table === table).flatMap((d) => [d.path, ...d.columns.map((c) => c.path)]),
  };
}

function preexistingWarning(finding: Finding): string {
  const what = finding.object === 'table' ? `table ${finding.name}` : `${finding.object} ${finding.table}.${finding.name}`;
  return `${finding.database}: ${what} already differed between the models and the migrations before this branch (models: ${finding.models ?? 'missing'}, migrations: ${finding.fresh ?? 'missing'}); not this branch's finding`;
}

/** What existing databases run on deploy: the head part of the upgrade from base, less revisions base already had unless edited. */
function deployedRevisions(upgraded: { runs: RevisionRun[]; startRuns: RevisionRun[] }, scans: ChainScan[], edited: EditedMigration[]): RevisionRun[] {
  const onBase = new Set(scans.flatMap((chain) => (chain.base?.revisions ?? []).map((r) => r.revision)));
  const editedIds = new Set(edited.map((e) => e.revision));
  return upgraded.runs.slice(upgraded.startRuns.length).filter((run) => !onBase.has(run.revision) || editedIds.has(run.revision));
}

/** The fix as it runs: the lock timeout its file sets first, then its steps. */
function fixRun(fix: Fix): RevisionRun {
  return { revision: fix.revision, path: fix.path, statements: [FIX_LOCK_TIMEOUT, ...fix.statements], content: fix.content };
}

function mappedColumns(tables: { name: string; columns: { name: string }[] }[] | null): Map<string, Set<string>> | null {
  return tables ? new Map(tables.map((t) => [t.name, new Set(t.columns.map((c) => c.name))])) : null;
}

function emptyOutcome(): DatabaseOutcome {
  return {
    editedMigrations: [],
    findings: [],
    upgradeFailure: null,
    errors: [],
    warnings: [],
    standIns: [],
    breakingCode: [],
    schemaDiffs: [],
    fixes: [],
    hazards: [],
    summary: null,
  };
}

/**
 * Head's revision-graph problems, less those base already had: a problem the pull
 * request did not bring is not its finding (it is said, as a warning).
 */
function graphProblems(database: string, scans: ChainScan[]): { findings: Finding[]; alreadyOnBase: string[] } {
  const findings: Finding[] = [];
  const alreadyOnBase: string[] = [];
  for (const chain of scans) {
    const onBase = new Set(chain.base ? graphFindings(database, chain.config.versions, chain.base).map(problemKey) : []);
    for (const finding of graphFindings(database, chain.config.versions, chain.head)) {
      if (onBase.has(problemKey(finding))) alreadyOnBase.push(`already on base, not brought by this branch: ${finding.fresh}`);
      else findings.push(finding);
    }
  }
  return { findings, alreadyOnBase };
}

function problemKey(finding: Finding): string {
  return `${finding.name}:${finding.cause?.revision ?? ''}`;
}

/** What installs are compared on: everything, or, for installs made from the models, what `create_all` makes. */
function comparedPart(database: DatabaseConfig): (schema: Schema) => Schema {
  return database.install === 'models' ? modelledPart : (schema) => schema;
}

/**
 * Head's migrations fail on an empty database. When base's fail the same way, the pull
 * request did not cause it: the environment did (a missing setting, package or
 * extension), and the message says where to look. Installed from the models, the
 * failure is the models'.
 */
function freshFailure(failure: MigrationFailure, startFailure: MigrationFailure | null): ReportError {
  if (failure.build === 'models') {
    return {
      message: `a new install of database ${failure.database} is create_all of head's models (install: models), and they could not be built: ${failure.error}`,
      path: failure.path,
      revision: null,
    };
  }
  const sameOnBase = startFailure !== null && startFailure.revision === failure.revision && firstLine(startFailure.error) === firstLine(failure.error);
  const message = sameOnBase
    ? `head's migrations fail on an empty database, and ${startFailure!.startingPoint}'s fail the same way, so this is driftbot's environment, not this branch: ${failure.error} — ${environmentAdvice(failure.error)}`
    : `head's migrations fail on an empty database: ${failure.error}`;
  return { message, path: failure.path, revision: failure.revision };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** The same object seen from several starting points is one finding that names them all. */
function mergeStartingPoints(perStart: Finding[][]): Finding[] {
  const merged = new Map<string, Finding>();
  for (const findings of perStart) {
    for (const finding of findings) {
      const key = `${finding.object}:${finding.table}:${finding.name}`;
      const seen = merged.get(key);
      if (!seen) merged.set(key, finding);
      else {
        seen.startingPoints.push(...finding.startingPoints.filter((s) => !seen.startingPoints.includes(s)));
        seen.breaksCode ||= finding.breaksCode;
      }
    }
  }
  return [...merged.values()];
}

/**
 * Each chain on head and on base, side by side (each scan on a runner of its own, or
 * kept: scan-cache.ts); `kept` settles when the new scans are kept.
 */
async function scanChains(cache: BuildTools['cache'], database: DatabaseConfig, base: StartingPoint, head: Tree): Promise<{ scans: ChainScan[]; kept: Promise<unknown> }> {
  const chains = await Promise.all(
    database.chains.map(async (chain) => {
      // The same chain on base: same folder, else the same version table (a moved folder).
      const baseChain = base.database?.chains.find((c) => c.versions === chain.versions) ?? base.database?.chains.find((c) => c.versionTable === chain.versionTable) ?? null;
      const [headScan, baseScan] = await Promise.all([scanVersions(cache, head, chain.versions), baseChain ? scanVersions(cache, base.tree, baseChain.versions) : null]);
      return { scan: { config: chain, baseConfig: baseChain, head: headScan.scan, base: baseScan?.scan ?? null }, kept: [headScan.kept, baseScan?.kept] };
    }),
  );
  return { scans: chains.map((c) => c.scan), kept: Promise.all(chains.flatMap((c) => c.kept)) };
}

function revisionFiles(scan: ScanResult | null, dir: string): RevisionFile[] {
  if (!scan) return [];
  return scan.revisions.map((r) => ({ revision: r.revision, downRevisions: r.downRevisions, path: r.path, content: readFileSync(join(dir, r.path), 'utf8') }));
}

/** The fix joins the chain that holds most of the causes; by default the last chain. */
function fixChain(scans: ChainScan[], findings: Finding[]): ChainScan {
  const votes = new Map<ChainScan, number>();
  for (const finding of findings) {
    const chain = scans.find((s) => s.head.revisions.some((r) => r.revision === finding.cause?.revision));
    if (chain) votes.set(chain, (votes.get(chain) ?? 0) + 1);
  }
  const [best] = [...votes.entries()].sort((a, b) => b[1] - a[1]);
  return best?.[0] ?? scans[scans.length - 1]!;
}

function modelDeclarations(
  tables: {
    schema: string;
    name: string;
    className: string | null;
    path: string;
    line: number;
    columns: { name: string; className: string | null; path: string; line: number }[];
  }[],
): ModelDeclaration[] {
  return tables.map((table) => ({
    table: table.schema === 'public' ? table.name : `${table.schema}.${table.name}`,
    className: table.className,
    path: table.path,
    line: table.line,
    columns: table.columns.map((c) => ({ name: c.name, className: c.className, path: c.path, line: c.line })),
  }));
}

/** Head's Python files under the import roots: where code that queries the models lives. */
async function pythonSources(files: RepoFiles, head: Tree): Promise<SourceFile[]> {
  const roots = head.python.paths.map((p) => (p === '.' || p === '' ? '' : `${p.replace(/\/$/, '')}/`));
  const paths = files.paths.filter((p) => p.endsWith('.py') && roots.some((root) => p.startsWith(root)));
  const sources: SourceFile[] = [];
  for (const path of paths) {
    const content = readTreeFile(head.dir, path);
    if (content !== null) sources.push({ path, content });
  }
  return sources;
}

/**
 * A stand-in has no tables, columns or enum values of its own. When a migration or a
 * model file needed one, the schema built here may lack what the real module defines.
 */
function standInWarnings(standIns: StandIn[], database: DatabaseConfig, modelFiles: string[]): string[] {
  return standIns
    .filter((s) => s.importedFrom && (database.chains.some((c) => s.importedFrom!.startsWith(`${c.versions}/`)) || modelFiles.includes(s.importedFrom)))
    .map(
      (s) =>
        `${s.importedFrom} imports ${s.module}, which could not be imported and was replaced by a stand-in: if it defines tables, columns or enum values, database ${database.name} is built without them here`,
    );
}

function schemaDiff(upgraded: Schema, fresh: Schema): string {
  const before = schemaDump(upgraded);
  const after = schemaDump(fresh);
  if (before === after) return '';
  return createTwoFilesPatch('upgraded', 'fresh', before, after, '', '', { context: 3 });
}

function summary(database: DatabaseConfig, scans: ChainScan[], clean: boolean): DatabaseSummary {
  return {
    name: database.name,
    chains: scans.map((s) => ({ versions: s.config.versions, versionTable: s.config.versionTable, headRevisions: s.head.heads })),
    clean,
  };
}
