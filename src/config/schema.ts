/**
 * The file format of `.github/driftbot.yml` (docs/contract.md §3): one schema, strict, so a
 * misspelt key is an error rather than a silently ignored setting.
 */
import { z } from 'zod';
import { SAFE_REVISION_ID } from '../fix/revision-id.js';
import { POSTGRES_MAJORS } from '../postgres/versions.js';

/**
 * A schema a chain's migrations run in: one Postgres identifier, so that it can be quoted
 * into `search_path` and `CREATE SCHEMA` and never read as a list or an option.
 */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

const chain = z.strictObject({
  versions: z.string().min(1, 'give the versions folder, relative to the repository root'),
  version_table: z.string().min(1).default('alembic_version'),
  /** The `search_path` its migrations run under (a per-tenant chain: one template schema); its version table lives there. */
  schema: z
    .string()
    .regex(SCHEMA_NAME, 'give one schema name (letters, digits and "_", not starting with a digit, at most 63), such as dispatch_organization_default, or null')
    .nullable()
    .default(null),
});

/** How a new install of a database is made: by running its migrations, or by `create_all` of the models and `alembic stamp head`. */
export const INSTALL_MODES = ['migrations', 'models'] as const;

/** Variables the project's code may be given; not those that choose what runs or where. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const RESERVED_ENV = /^(PATH|HOME|TMPDIR|USER|LOGNAME|LANG|LC_[A-Z_]*|PYTHON[A-Z_]*|LD_[A-Z_]*|DRIFTBOT_[A-Z_]*)$/;
/** Top-level folders of the system a mount may not hide. */
const RESERVED_MOUNT = /^\/(usr|bin|sbin|lib|lib32|lib64|libx32|etc|proc|dev|sys|tmp|run|root|home|var|boot)(\/|$)/;

/** What is wrong with a variable name the repository sets, or null. */
function envNameProblem(name: string): string | null {
  if (!ENV_NAME.test(name)) return 'a variable name is letters, digits and "_", not starting with a digit';
  if (RESERVED_ENV.test(name)) return "PATH, HOME, TMPDIR, USER, LANG, LC_*, PYTHON*, LD_* and DRIFTBOT_* are driftbot's to set, not the repository's";
  return null;
}

/** A file driftbot writes into the checkout: a plain relative path, nothing it could climb out through. */
const WRITTEN_FILE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
/** The largest file `python.files` may write: a key or a small config, not a data set. */
export const WRITTEN_FILE_LIMIT = 64 * 1024;

/** What is wrong with a path `python.files` names, or null. */
function writtenFileProblem(path: string): string | null {
  if (!WRITTEN_FILE.test(path) || path.split('/').some((part) => part === '.' || part === '..')) {
    return 'give a path relative to the repository root, such as server/.jwks.json (letters, digits, ".", "_", "-"; no "." or ".." parts)';
  }
  return null;
}

/** What is wrong with a mount point, or null. */
function mountPointProblem(path: string): string | null {
  if (!/^(\/[A-Za-z0-9._-]+)+$/.test(path)) return 'give an absolute folder such as /app (letters, digits, ".", "_", "-")';
  if (path.split('/').some((part) => part === '.' || part === '..')) return 'no "." or ".." in a mount point';
  if (RESERVED_MOUNT.test(path)) return 'a mount point may not hide a system folder (/usr, /etc, /tmp, /home…): use one such as /app or /srv/app';
  return null;
}

const database = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "_" and "-"')
    .default('default'),
  chains: z.array(chain).min(1, 'list at least one chain'),
  /** Omitted: the modules each chain's env.py imports for target_metadata (load.ts); `[]`: no models leg. */
  models: z.array(z.string().min(1)).optional(),
  install: z
    .enum(INSTALL_MODES, {
      error: (issue) =>
        `must be "migrations" (new installs run the migrations) or "models" (new installs are create_all of the models, then alembic stamp head), not ${String(JSON.stringify(issue.input)).slice(0, 40)}`,
    })
    .default('migrations'),
});

export const configFileSchema = z
  .strictObject({
    databases: z.array(database).min(1, 'list at least one database'),
    python: z
      .strictObject({
        paths: z.array(z.string()).default([]),
        stub_missing_imports: z.boolean().default(true),
        // Accepted so that old files still load, and ignored with a warning (load.ts).
        executable: z.string().min(1).nullable().default(null),
        /** Settings the project's code reads at import; `{root}` is the checkout of the side being built. */
        env: z.record(z.string(), z.string()).default({}),
        /** Dotenv files in the repository, read the same way (env wins over them). */
        env_file: z.array(z.string().min(1)).default([]),
        /** Where the project's container lays the code out (`/app: api`): sandbox only. */
        mounts: z.record(z.string(), z.string().min(1)).default({}),
        /** Files the project's CI makes and the repository lacks (a development key), written into each side's checkout: path → contents. */
        files: z.record(z.string(), z.string().max(WRITTEN_FILE_LIMIT, `at most ${WRITTEN_FILE_LIMIT / 1024} KiB: a key or a small config, not a data set`)).default({}),
        /** The project's dependency files (a pyproject.toml with its lock beside it, requirements files); null = discovered, [] = none. */
        requirements: z.array(z.string().min(1)).nullable().default(null),
        /** The Python the project runs on, as a version or specifier ("3.12", ">=3.11,<3.13"); null = its requires-python. */
        version: z
          .string()
          .regex(/^[0-9.*,<>=!~ ]+$/, 'give a Python version such as "3.12", or a specifier such as ">=3.11,<3.13"')
          .nullable()
          .default(null),
      })
      .superRefine((python, context) => {
        for (const name of Object.keys(python.env)) {
          const message = envNameProblem(name);
          if (message) context.addIssue({ code: 'custom', path: ['env', name], message });
        }
        for (const path of Object.keys(python.files)) {
          const message = writtenFileProblem(path);
          if (message) context.addIssue({ code: 'custom', path: ['files', path], message });
        }
        for (const point of Object.keys(python.mounts)) {
          const message = mountPointProblem(point);
          if (message) context.addIssue({ code: 'custom', path: ['mounts', point], message });
        }
      })
      .default({ paths: [], stub_missing_imports: true, executable: null, env: {}, env_file: [], mounts: {}, files: {}, requirements: null, version: null }),
    ignore: z.array(z.string().min(1)).default([]),
    upgrade_from: z.array(z.string().min(1)).default([]),
    fix: z
      .strictObject({
        // The id becomes the fix's file name and a string in its Python source.
        revision: z.string().regex(SAFE_REVISION_ID, 'use "auto", or an id of letters, digits and "_" only').default('auto'),
      })
      .default({ revision: 'auto' }),
    postgres: z
      .strictObject({
        version: z
          // What was written is echoed, cut short: the file is the pull request's.
          .literal(POSTGRES_MAJORS, {
            error: (issue) => `must be one of ${POSTGRES_MAJORS.join(', ')} (production's Postgres major version), not ${String(JSON.stringify(issue.input)).slice(0, 40)}`,
          })
          .nullable()
          .default(null),
      })
      .default({ version: null }),
  })
  .superRefine((file, context) => {
    // Findings and throwaway databases are keyed by this name: two would be one.
    const seen = new Set<string>();
    file.databases.forEach((db, index) => {
      if (seen.has(db.name)) context.addIssue({ code: 'custom', path: ['databases', index, 'name'], message: `another database is already named "${db.name}"` });
      seen.add(db.name);
    });
  });

export type ConfigFile = z.infer<typeof configFileSchema>;
