/**
 * Steps for indexes that back no constraint: created where missing, rebuilt where
 * changed in place, dropped where only old installs have them (an index holds no data).
 *
 * An index changed in place is dropped where it differs in the `obsolete` phase, before
 * column types change (its old version may not hold the new type: `status ->> 'code'`
 * on a column now varchar), and created where missing in its own phase, after them.
 */
import type { Index, Schema } from '../schema/schema.js';
import { indexKey } from '../schema/kinds/indexes.js';
import { compareObjects, present } from './compare.js';
import { castEachElement } from '../schema/array-casts.js';
import { distinctFromEach, doBlock, literal, qualifiedIdent } from './sql.js';
import { onTable, step, type PlannedStep } from './step.js';

export function indexSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.indexes,
    current.map((s) => s.indexes),
    indexKey,
  );
  const views = new Set(target.views.map((v) => `${v.schema}.${v.name}`));
  // Postgres builds no index CONCURRENTLY on a partitioned table.
  const partitioned = new Set(target.tables.filter((t) => t.partitioned).map((t) => `${t.schema}.${t.name}`));
  for (const { key, target: index, versions } of wanted) {
    const changed = present(versions).some((v) => castEachElement(v.statement) !== castEachElement(index.statement));
    if (!changed && !versions.includes(undefined)) continue;
    // An index on a materialized view waits for the view.
    const phase = views.has(`${index.schema}.${index.table}`) ? 'viewIndex' : 'index';
    const entryKey = key;
    const onTableConcurrently = phase === 'index' && !partitioned.has(`${index.schema}.${index.table}`);
    const sql = onTableConcurrently ? createConcurrently(index) : createIfNotExists(index);
    const comments = changed ? [`${index.name} was changed in place: created again where the step above dropped it.`] : [];
    steps.push(
      ...onTable({ schema: index.schema, name: index.table }, [
        ...(changed ? [step('obsolete', entryKey, dropWhereDifferent(index), [`${index.name} was changed in place: dropped where its definition differs.`])] : []),
        step(phase, entryKey, sql, comments),
      ]),
    );
  }
  const targetTables = new Set([...target.tables, ...target.views].map((t) => `${t.schema}.${t.name}`));
  for (const { key, object: index } of extra) {
    if (!targetTables.has(`${index.schema}.${index.table}`)) continue;
    steps.push(
      ...onTable({ schema: index.schema, name: index.table }, [
        step('obsolete', key, `DROP INDEX IF EXISTS ${qualifiedIdent(index.schema, index.name)}`, [`${index.name} exists only on databases upgraded from older revisions.`]),
      ]),
    );
  }
  return steps;
}

/**
 * A new index on a table existing databases already fill is built CONCURRENTLY: writes go
 * on meanwhile (the `index-not-concurrent` rule). It cannot run in a transaction: the
 * migration file puts it in an autocommit block.
 */
function createConcurrently(index: Index): string {
  return index.statement.replace(/^CREATE (UNIQUE )?INDEX /, (head) => `${head}CONCURRENTLY IF NOT EXISTS `);
}

/** `pg_get_indexdef`'s statement, made idempotent. */
function createIfNotExists(index: Index): string {
  return index.statement.replace(/^CREATE (UNIQUE )?INDEX /, (head) => `${head}IF NOT EXISTS `);
}

/** Dropped only where it exists with a definition that is not the target's. */
function dropWhereDifferent(index: Index): string {
  const name = qualifiedIdent(index.schema, index.name);
  return doBlock([
    `  IF ${distinctFromEach(`pg_get_indexdef(to_regclass(${literal(name)}))`, [index.statement, castEachElement(index.statement)])} THEN`,
    `    DROP INDEX IF EXISTS ${name};`,
    `  END IF;`,
  ]);
}
