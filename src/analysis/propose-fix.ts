/**
 * Proposes the forward migration that reconciles every build of a database, and proves
 * it: the revision file is dropped into a copy of head's versions folder and applied,
 * by Alembic, to the fresh and the upgraded database; then all three builds are
 * compared again. `verified` is true only when nothing differs any more but what the
 * commented-out (destructive) steps would remove, once a person enables them.
 *
 * A database installed from its models (`install: models`) is stamped at head when it
 * is made, so the fix only ever runs on existing databases: it brings them to what
 * `create_all` makes, leaves what models cannot declare (triggers, views…) as they
 * have it, and is verified on them alone.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ChainConfig, DatabaseConfig } from '../config/config.js';
import { modelledPart, withModelledPart } from '../schema/declared.js';
import type { ScannedRevision } from '../alembic/bridge.js';
import { targetSchema } from '../fix/target.js';
import { planFix } from '../fix/plan.js';
import { forSearchPath } from '../fix/search-path.js';
import { migrationFile } from '../fix/migration-file.js';
import { migrationFileName, migrationFilePath, nextRevisionId } from '../fix/revision-id.js';
import type { Schema } from '../schema/schema.js';
import type { Finding, Fix } from '../report/report.js';
import type { Build, BuildTools, Tree, UpgradedBuild } from './builds.js';
import { readSchema, treeArgs } from './builds.js';
import { compareBuilds } from './findings.js';
import { schemaEntries } from '../schema/entries.js';

export interface FixInput {
  database: string;
  findings: Finding[];
  fresh: Build & { schema: Schema };
  /** One per starting point. */
  upgraded: (UpgradedBuild & { schema: Schema })[];
  models: Schema | null;
  /** The chain the revision joins, with its revisions as scanned on head. */
  chain: ChainConfig;
  chainRevisions: ScannedRevision[];
  chainHeads: string[];
  head: Tree;
  install: DatabaseConfig['install'];
  /** `fix.revision` from the config: `auto` or an explicit id. */
  revisionSetting: string;
  ignore: string[];
}

export async function proposeFix(tools: BuildTools, input: FixInput): Promise<Fix> {
  const fix = await tools.time('plan fix', async () => planned(input));
  return tools.time('verify fix', () => verify(tools, input, fix, basename(fix.path)));
}

function planned(input: FixInput): Fix {
  const plan =
    input.install === 'models'
      ? planFix(
          withModelledPart(input.upgraded[0]!.schema, targetSchema(input.fresh.schema, input.models)),
          input.upgraded.map((u) => u.schema),
        )
      : planFix(targetSchema(input.fresh.schema, input.models), [input.fresh.schema, ...input.upgraded.map((u) => u.schema)]);
  // A per-tenant chain's fix runs in each tenant's schema, not only in the template built here.
  const steps = input.chain.schema ? forSearchPath(plan, input.chain.schema) : plan;
  const ids = input.chainRevisions.map((r) => r.revision);
  const downRevision = input.chainHeads.join(', ');
  const revision = input.revisionSetting === 'auto' ? nextRevisionId(ids, input.chainHeads[input.chainHeads.length - 1] ?? '') : input.revisionSetting;
  const fileName = migrationFileName(
    revision,
    input.chainRevisions.map((r) => basename(r.path)),
    'reconcile_schema_drift',
  );
  const edited = [...new Set(input.findings.map((f) => f.cause?.revision).filter((r): r is string => !!r))];
  const content = migrationFile({
    revision,
    downRevisions: input.chainHeads,
    message: edited.length ? `reconcile schema drift left by ${edited.join(', ')}` : 'reconcile schema drift',
    steps,
    downgradeNote: 'Nothing to undo: on fresh installs these objects belong to the revisions that create them.',
  });
  return {
    revision,
    downRevision,
    path: migrationFilePath(input.chain.versions, fileName),
    content,
    statements: steps.filter((s) => !s.disabled).map((s) => s.sql),
    verified: false,
    remainingDifferences: input.findings.length,
    database: input.database,
    chain: input.chain.versions,
    steps,
    verificationError: null,
  };
}

async function verify(tools: BuildTools, input: FixInput, fix: Fix, fileName: string): Promise<Fix> {
  // The fix alone in a folder of its own, read beside the chain's (a copy of a long chain costs more than applying it).
  const fixFolder = await mkdtemp(join(tools.scratch, 'fix-'));
  try {
    await writeFile(join(fixFolder, fileName), fix.content);
    const fromModels = input.install === 'models';
    // Applied to every build side by side; the first failure in build order is the one reported.
    const builds = fromModels ? input.upgraded : [input.fresh, ...input.upgraded];
    // An upgraded build that is fresh's own database (builds.ts `oneBuild`) is verified once.
    const databases = [...new Set(builds.map((build) => build.database))];
    const verified = await Promise.all(
      databases.map((database) =>
        input.head.runners.use(async (runner) => {
          const result = await runner.upgrade({
            url: database.runnerUrl,
            versions: join(input.head.dir, input.chain.versions),
            extraVersions: [fixFolder],
            versionTable: input.chain.versionTable,
            schema: input.chain.schema,
            statementTimeoutMs: tools.statementTimeoutMs,
            ...treeArgs(input.head),
          });
          return result.failure ? { failure: result.failure, schema: null } : { failure: null, schema: await readSchema(database) };
        }),
      ),
    );
    const results = builds.map((build) => verified[databases.indexOf(build.database)]!);
    const failed = results.find((r) => r.failure)?.failure;
    if (failed) return { ...fix, verificationError: `${failed.revision}: ${failed.error}` };
    const schemas = [...(fromModels ? [input.fresh.schema] : []), ...results.map((r) => r.schema as Schema)];
    const compared = fromModels ? modelledPart : (schema: Schema) => schema;
    const [fresh, ...upgraded] = schemas.map(compared);
    // What the commented-out steps would remove is left for a person to decide: it remains
    // by design, and does not count against the fix.
    const heldBack = new Set(fix.steps.filter((step) => step.disabled).map((step) => step.entryKey));
    // Every starting point against the fresh install and the models, counted once per object.
    const remaining = new Set(
      upgraded.flatMap((schema, i) => {
        const entries = [...schemaEntries(schema).values(), ...schemaEntries(fresh!).values()];
        const keyOf = (f: Finding) => entries.find((e) => e.kind === f.object && e.table === f.table && e.name === f.name)?.key;
        return compareBuilds(input.database, { fresh: fresh!, upgraded: schema, models: input.models }, input.ignore, input.upgraded[i]!.startingPoint)
          .filter((f) => !heldBack.has(keyOf(f) ?? ''))
          .map((f) => `${f.object}:${f.table}:${f.name}`);
      }),
    );
    return { ...fix, remainingDifferences: remaining.size, verified: remaining.size === 0 };
  } finally {
    await rm(fixFolder, { recursive: true, force: true });
  }
}
