import type { PostgresMajor } from '../postgres/versions.js';

/** driftbot's configuration, as validated from `.github/driftbot.yml` or discovered (docs/contract.md §3). */
export interface DriftbotConfig {
  databases: DatabaseConfig[];
  python: PythonConfig;
  /** `table` or `table.column` patterns (`*` wildcards) left out of findings. */
  ignore: string[];
  fix: { revision: 'auto' | string };
  /** More starting points for upgraded databases: refs, or tag globs with a count (`v*~3`). */
  upgradeFrom: string[];
  /** Production's Postgres major, which the server must run; null = not said (the embedded default, or any given server). */
  postgres: { version: PostgresMajor | null };
  /** Where the configuration came from: a file path, or `discovered`. */
  source: string;
  /** What discovery assumed, said in the report. */
  assumptions: string[];
  /** Settings that look wrong but do not stop the analysis (a models glob that matches no file), said in the report. */
  warnings: string[];
}

export interface DatabaseConfig {
  name: string;
  /** Applied in this order into the same database. */
  chains: ChainConfig[];
  /** Globs (relative to the repository root) of modules whose SQLAlchemy metadata this database must match. */
  models: string[];
  /**
   * How a new install is made: `migrations` (head's chains from nothing), or `models`
   * (`create_all` of head's models, then `alembic stamp head`, as Dispatch and Airflow do).
   */
  install: 'migrations' | 'models';
}

export interface ChainConfig {
  /** Versions folder, relative to the repository root. */
  versions: string;
  versionTable: string;
  /** The schema its migrations run in (`search_path`) and its version table lives in; null = the server's default. */
  schema: string | null;
}

export interface PythonConfig {
  /** Import roots, relative to the repository root, added to sys.path. */
  paths: string[];
  stubMissingImports: boolean;
  /** Settings for the project's code; `{root}` stands for the checkout of the side being built. */
  env: Record<string, string>;
  /** Dotenv files, relative to the repository root, read before `env`. */
  envFiles: string[];
  /** Mount point (absolute, e.g. `/app`) → folder relative to the repository root. */
  mounts: Record<string, string>;
  /** Files the repository lacks, written into each side's checkout before its code runs: path relative to the repository root → contents. */
  files: Record<string, string>;
  /** The project's dependency files or folders, relative to the repository root; null = discovered beside the import roots and migrations. */
  requirements: string[] | null;
  /** The Python version or specifier the project runs on; null = its requires-python. */
  version: string | null;
}
