/**
 * Steps for the columns of a table that exists: add what is missing, then align type,
 * identity, default and nullability where they differ. A column only old installs have
 * may hold data: its drop is written disabled.
 */
import type { Column, Table } from '../schema/schema.js';
import { columnTypeSteps } from './column-types.js';
import { columnKey } from '../schema/kinds/tables.js';
import { compareObjects, present } from './compare.js';
import { identitySteps } from './identity.js';
import { ident } from './sql.js';
import { disabledStep, step, type PlannedStep } from './step.js';

export function columnSteps(table: Table, name: string, existing: Table[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const { wanted, extra } = compareObjects(
    table.columns,
    existing.map((t) => t.columns),
    (c) => c.name,
  );
  for (const { target: column, versions } of wanted) {
    const entryKey = columnKey(table, column);
    const found = present(versions);
    const added = found.length < versions.length;
    if (added) steps.push(step('column', entryKey, `ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS ${columnSpec(column, { notNull: fillsItself(column) })}`));
    steps.push(...columnTypeSteps(name, column, found, entryKey));
    steps.push(...identitySteps(name, column, found, entryKey));
    const plain = column.identity === null && column.generated === null;
    if (plain && found.some((c) => c.default !== column.default)) {
      const change = column.default === null ? 'DROP DEFAULT' : `SET DEFAULT ${column.default}`;
      steps.push(step('columnDefault', entryKey, `ALTER TABLE ${name} ALTER COLUMN ${ident(column.name)} ${change}`));
    }
    if (found.some((c) => c.notNull !== column.notNull) || (added && column.notNull && !fillsItself(column))) {
      steps.push(
        column.notNull
          ? step('columnNullability', entryKey, `ALTER TABLE ${name} ALTER COLUMN ${ident(column.name)} SET NOT NULL`, [
              `${column.name} is NOT NULL on fresh installs: this fails while rows hold NULL there (fill them first).`,
            ])
          : step('columnNullability', entryKey, `ALTER TABLE ${name} ALTER COLUMN ${ident(column.name)} DROP NOT NULL`),
      );
    }
  }
  for (const { object: column } of extra) {
    steps.push(
      disabledStep(
        'removal',
        columnKey(table, column),
        `ALTER TABLE ${name} DROP COLUMN IF EXISTS ${ident(column.name)}`,
        `${column.name} exists only on databases upgraded from older revisions and may hold data: copy what you still need, check no code reads it, then enable.`,
      ),
    );
  }
  return steps;
}

/** A column whose existing rows get a value when it is added: NOT NULL can go with it. */
function fillsItself(column: Column): boolean {
  return column.default !== null || column.identity !== null || column.generated !== null;
}

/** `name type [COLLATE …] [GENERATED … | DEFAULT …] [NOT NULL]`. */
export function columnSpec(column: Column, options: { notNull: boolean }): string {
  const parts = [ident(column.name), column.type];
  if (column.collation) parts.push(`COLLATE ${ident(column.collation)}`);
  if (column.generated !== null) parts.push(`GENERATED ALWAYS AS (${column.generated}) STORED`);
  else if (column.identity) parts.push(`GENERATED ${column.identity.toUpperCase()} AS IDENTITY`);
  else if (column.default !== null) parts.push(`DEFAULT ${column.default}`);
  if (column.notNull && options.notNull) parts.push('NOT NULL');
  return parts.join(' ');
}
