/**
 * The result of one analysis: what every renderer (markdown, json, text) and the
 * GitHub App read. Fields marked "contract" are docs/contract.md §2 and must not change;
 * the rest are extensions. Everything a renderer shows is computed here, so
 * renderers only format.
 */
import type { ObjectKind } from '../schema/schema.js';

export const REPORT_SCHEMA_VERSION = 1;

export type ReportStatus = 'clean' | 'drift' | 'error';

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION; // contract
  status: ReportStatus; // contract
  base: CommitRef; // contract
  head: CommitRef; // contract
  editedMigrations: EditedMigration[]; // contract
  findings: Finding[]; // contract
  upgradeFailure: MigrationFailure | null; // contract
  /** The first database's fix (contract); every fix is in `fixes`. */
  fix: Fix | null; // contract
  errors: ReportError[]; // contract
  timings: Timings; // contract (totalMs), plus one entry per phase

  /** One entry per analysed database, in config order. */
  databases: DatabaseSummary[];
  fixes: Fix[];
  /** Deployment hazards in what new or edited head revisions, and the fixes, execute (docs/contract.md §2). They do not change `status`. */
  hazards: Hazard[];
  /** Application code that will fail on upgraded databases, e.g. a `select()` of a model whose column is missing. */
  breakingCode: BreakingCode[];
  /** Modules replaced by stand-ins because they could not be imported. */
  standIns: StandIn[];
  warnings: string[];
  /** Per database: a unified diff of the schema dump, upgraded → fresh (made with the `diff` package). */
  schemaDiffs: SchemaDiff[];
  /** How the analysis ran, for the "how this was checked" line. */
  environment: AnalysisEnvironment;
  /** `static`: only git and the revision files were read, nothing of the pull request ran. */
  scope: AnalysisScope;
  /** What upgraded databases were built from: base, then any `upgrade_from`. */
  startingPoints: CommitRef[];
}

export type AnalysisScope = 'full' | 'static';

export interface CommitRef {
  ref: string;
  sha: string;
}

export type MigrationChange = 'modified' | 'deleted' | 'renamed' | 'reparented';

/** A revision that exists on base and was changed on head (git, not guesswork). */
export interface EditedMigration {
  database: string; // contract
  revision: string; // contract
  path: string; // contract (head path; base path when deleted)
  change: MigrationChange; // contract
  /** Every change seen for this revision, most telling first (e.g. renamed and modified). */
  changes: MigrationChange[];
  /** Path on base when it differs from `path`. */
  basePath: string | null;
  /** `down_revision` on base and head when re-parented. */
  baseDownRevision: string[] | null;
  headDownRevision: string[] | null;
  /** Folder of the chain (versions path as configured). */
  chain: string;
}

export type FindingObject = ObjectKind | 'revision-graph';

/** How an object differs, read as "what a database upgraded from base has, against the target". */
export type Difference =
  /** On fresh installs, missing from upgraded ones. */
  | 'missing-on-upgraded'
  /** On upgraded installs only (fresh installs no longer create it). */
  | 'only-on-upgraded'
  /** Both have it, with different definitions. */
  | 'differs-on-upgraded'
  /** Models declare it, but no migration creates it (fresh and upgraded agree without it). */
  | 'missing-in-migrations'
  /** Models declare it differently from what the migrations create (fresh and upgraded agree). */
  | 'differs-from-models'
  /** A problem in the revision graph itself (two heads, a dangling down_revision…). */
  | 'revision-graph';

/** Why the difference exists, from git and the revision graph. */
export type CauseKind =
  /** The revision that creates the object was edited after base applied it. */
  | 'edited-in-place'
  /** The revision is new on head but sits before base's head in history. */
  | 'inserted-into-history'
  /** The revision's down_revision changed. */
  | 'reparented'
  /** The revision that created it on base is gone on head. */
  | 'deleted'
  /** A model declares it and no revision creates it. */
  | 'no-migration'
  /** The revision that creates it is found, but none of the above applies. */
  | 'created-by';

export interface Cause {
  revision: string; // contract
  path: string; // contract
  line: number | null;
  kind: CauseKind;
}

export interface SourceReference {
  path: string; // contract
  line: number; // contract
  /** What is there, e.g. the mixin class `TagsDBA` or `select(SessionStreamDBE)`. */
  symbol: string | null;
}

export interface Finding {
  database: string; // contract
  object: FindingObject; // contract
  table: string | null; // contract
  name: string; // contract
  fresh: string | null; // contract
  upgraded: string | null; // contract
  models: string | null; // contract
  cause: Cause | null; // contract (revision, path), plus line and kind
  references: SourceReference[]; // contract: model declarations of this object
  difference: Difference;
  /** True when head's models use this object and upgraded databases do not match them: requests will fail. */
  breaksCode: boolean;
  /** Which upgrade starting points show this finding (base ref for now). */
  startingPoints: string[];
}

export interface MigrationFailure {
  revision: string; // contract
  path: string; // contract
  error: string; // contract
  line: number | null;
  database: string;
  /** Which build failed: applying head from nothing, or on top of base. */
  build: 'fresh' | 'upgraded' | 'base' | 'models' | 'fix';
  /** For upgraded builds: the ref the database was upgraded from. */
  startingPoint?: string;
}

export interface FixStep {
  /** The SQL statement, idempotent. */
  sql: string;
  /** Why the step is there, one line each, written as comments above it. */
  comments: string[];
  /** Destructive or data-narrowing: written commented out, never applied by the fix. */
  disabled: boolean;
  /** Key of the schema entry it repairs. */
  entryKey: string;
}

export interface Fix {
  revision: string; // contract
  downRevision: string; // contract
  path: string; // contract
  content: string; // contract: the whole Alembic migration file
  statements: string[]; // contract: the statements the fix applies (disabled steps excluded)
  verified: boolean; // contract: applied to every build, which then match but for what its disabled (destructive) steps would remove
  remainingDifferences: number; // contract
  database: string;
  /** Folder of the chain the revision belongs to. */
  chain: string;
  steps: FixStep[];
  /** Why verification failed, when the fix itself did not apply. */
  verificationError: string | null;
}

/** A statement that is risky to run on a production database (docs/rules/<rule>.md). */
export interface Hazard {
  database: string;
  /** A stable id: a file of src/hazards/rules/ and a page of docs/rules/. */
  rule: string;
  severity: 'error' | 'warning';
  revision: string;
  path: string;
  /** Best guess at the op call that issued it (src/hazards/locate.ts). */
  line: number;
  /** Normalized: comments stripped, whitespace collapsed. */
  statement: string;
  message: string;
  /** A `# driftbot: allow <rule> <reason>` comment in the revision covers it. */
  suppressed: boolean;
}

export interface ReportError {
  message: string; // contract
  path: string | null; // contract
  revision: string | null; // contract
}

export interface Timings {
  totalMs: number; // contract
  phases: { name: string; ms: number }[];
}

export interface BreakingCode {
  database: string;
  path: string;
  line: number;
  /** The line of code, trimmed. */
  code: string;
  /** The model class it reads, e.g. `SessionStreamDBE`. */
  model: string;
  table: string;
  /** Columns the code names that upgraded databases lack. */
  columns: string[];
  /** The error Postgres will raise, e.g. `column session_streams.tags does not exist`. */
  error: string;
}

export interface StandIn {
  module: string;
  database: string;
  /** The file whose import needed it, when known. */
  importedFrom: string | null;
}

export interface SchemaDiff {
  database: string;
  /** Unified diff of the upgraded schema dump against the fresh one; empty when equal. */
  diff: string;
}

export interface DatabaseSummary {
  name: string;
  chains: { versions: string; versionTable: string; headRevisions: string[] }[];
  /** Fresh, upgraded and models agree. */
  clean: boolean;
}

export interface AnalysisEnvironment {
  postgresVersion: string;
  /** How many throwaway databases the analysis created. */
  databasesBuilt: number;
  /** `embedded` or the host of the given server (never its credentials). */
  server: string;
  /** Part of every throwaway database's name (`driftbot_<time>_<runId>_…`), to find them while they exist. */
  runId: string;
  /** The runner had no network, reaching Postgres only through the analysis' relay socket (true whenever `sandboxed`). */
  networkIsolated: boolean;
  /** The repository's code ran in the sandbox (bubblewrap): see README "The sandbox". */
  sandboxed: boolean;
  /** Builds looked up in the template cache: found (whole or a part to build on) or not; null when nothing is cached (`--no-cache`). */
  cache?: { hits: number; misses: number } | null;
}
