/**
 * The file format of `.github/driftbot.yml` (docs/contract.md §3): one schema, strict, so a
 * misspelt key is an error rather than a silently ignored setting.
 */
import { z } from 'zod';
import { SAFE_REVISION_ID } from '../fix/revision-id.js';
import { POSTGRES_MAJORS } from '../postgres/versions.js';

const chain = z.strictObject({
  versions: z.string().min(1, 'give the versions folder, relative to the repository root'),
  version_table: z.string().min(1).default('alembic_version'),
});

const database = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "_" and "-"').default('default'),
  chains: z.array(chain).min(1, 'list at least one chain'),
  models: z.array(z.string().min(1)).default([]),
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
      })
      .default({ paths: [], stub_missing_imports: true, executable: null }),
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
          .literal(POSTGRES_MAJORS, { error: (issue) => `must be one of ${POSTGRES_MAJORS.join(', ')} (production's Postgres major version), not ${String(JSON.stringify(issue.input)).slice(0, 40)}` })
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
