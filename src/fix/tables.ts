/**
 * Steps for tables: create what is missing (columns only; constraints, indexes and
 * triggers follow as their own steps), plan the columns of those that exist. A table
 * only old installs have may hold data: its drop is written disabled.
 */
import type { Schema, Table } from '../schema/schema.js';
import { columnSpec, columnSteps } from './columns.js';
import { tableKey } from '../schema/kinds/tables.js';
import { compareObjects, present } from './compare.js';
import { qualifiedIdent } from './sql.js';
import { disabledStep, onTable, step, type PlannedStep } from './step.js';

export function tableSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  // Removals go after every column's: were they enabled, a column would go before its table.
  const removals: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    target.tables,
    current.map((s) => s.tables),
    tableKey,
  );
  for (const { key, target: table, versions } of wanted) {
    const name = qualifiedIdent(table.schema, table.name);
    const existing = present(versions);
    if (existing.length < versions.length) steps.push(...onTable(table, [createTable(table, name, key)]));
    if (existing.some((t) => t.partitioned !== table.partitioned)) {
      removals.push(
        disabledStep(
          'removal',
          key,
          `-- ALTER TABLE ${name}: recreate as a ${table.partitioned ? 'partitioned' : 'plain'} table and move the rows`,
          `${table.name} is ${table.partitioned ? 'partitioned' : 'a plain table'} on fresh installs and not on some others: Postgres cannot convert a table in place. Recreate it and move the rows by hand.`,
        ),
      );
    }
    steps.push(...onTable(table, columnSteps(table, name, existing)));
  }
  for (const { key, object: table } of extra) {
    removals.push(
      disabledStep(
        'removal',
        key,
        `DROP TABLE IF EXISTS ${qualifiedIdent(table.schema, table.name)}`,
        `${table.name} exists only on databases upgraded from older revisions and may hold data: archive what you still need, check no code reads it, then enable.`,
      ),
    );
  }
  return [...steps, ...removals];
}

function createTable(table: Table, name: string, entryKey: string): PlannedStep {
  const columns = table.columns.map((c) => `    ${columnSpec(c, { notNull: true })}`).join(',\n');
  const sql = `CREATE TABLE IF NOT EXISTS ${name} (\n${columns}\n)`;
  if (!table.partitioned) return step('table', entryKey, sql);
  // The partition key is not part of the schema driftbot reads.
  return disabledStep(
    'table',
    entryKey,
    `${sql} PARTITION BY …`,
    `${table.name} is partitioned on fresh installs: write its PARTITION BY clause and partitions by hand, then enable this and the steps on ${table.name}.`,
  );
}
