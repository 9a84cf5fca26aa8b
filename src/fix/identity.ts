/**
 * Identity and generated columns: what can be changed without losing data is done
 * (an identity added or dropped, its kind switched, a generation expression dropped);
 * what would replace stored values is written disabled.
 */
import type { Column } from '../schema/schema.js';
import { doBlock, ident, literal } from './sql.js';
import { disabledStep, step, type PlannedStep } from './step.js';

export function identitySteps(table: string, column: Column, existing: Column[], entryKey: string): PlannedStep[] {
  const steps: PlannedStep[] = [];
  if (existing.some((c) => c.identity !== column.identity)) {
    steps.push(column.identity ? addIdentity(table, column, entryKey) : dropIdentity(table, column, entryKey));
  }
  if (existing.some((c) => c.generated !== column.generated)) {
    if (column.generated === null) {
      steps.push(
        step('columnIdentityDrop', entryKey, `ALTER TABLE ${table} ALTER COLUMN ${ident(column.name)} DROP EXPRESSION IF EXISTS`, [
          `${column.name} is a plain column on fresh installs: it stops being generated, keeping its values.`,
        ]),
      );
    } else {
      steps.push(...generate(table, column, existing, entryKey));
    }
  }
  return steps;
}

const attribute = (table: string, column: string, field: string) =>
  `(SELECT ${field} FROM pg_attribute WHERE attrelid = ${literal(table)}::regclass AND attname = ${literal(column)} AND NOT attisdropped)`;

/**
 * Made an identity where it is not one (its old default dropped and the counter moved
 * past the highest value, so new rows do not collide), switched where its kind differs.
 */
function addIdentity(table: string, column: Column, entryKey: string): PlannedStep {
  const col = ident(column.name);
  const kind = column.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT';
  const code = column.identity === 'always' ? 'a' : 'd';
  return step(
    'columnIdentityAdd',
    entryKey,
    doBlock([
      `  IF ${attribute(table, column.name, 'attidentity')} = '' THEN`,
      `    ALTER TABLE ${table} ALTER COLUMN ${col} DROP DEFAULT;`,
      `    ALTER TABLE ${table} ALTER COLUMN ${col} ADD GENERATED ${kind} AS IDENTITY;`,
      // RESTART names the identity's own sequence: a serial's old one is still attached.
      `    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I RESTART WITH %s', ${literal(table)}, ${literal(column.name)}, (SELECT greatest(coalesce(max(${col}), 0) + 1, 1) FROM ${table}));`,
      `  ELSIF ${attribute(table, column.name, 'attidentity')} <> '${code}' THEN`,
      `    ALTER TABLE ${table} ALTER COLUMN ${col} SET GENERATED ${kind};`,
      `  END IF;`,
    ]),
    [`${column.name} is an identity column (generated ${column.identity}) on fresh installs: made one where it is not, its counter moved past the highest value.`],
  );
}

/**
 * Dropped where it is one: values stay. A serial default on fresh installs takes over,
 * its sequence first moved past the highest value.
 */
function dropIdentity(table: string, column: Column, entryKey: string): PlannedStep {
  const col = ident(column.name);
  const sequence = /^nextval\('((?:[^']|'')+)'::regclass\)$/.exec(column.default ?? '')?.[1]?.replace(/''/g, "'");
  if (!sequence) {
    return step('columnIdentityDrop', entryKey, `ALTER TABLE ${table} ALTER COLUMN ${col} DROP IDENTITY IF EXISTS`, [
      `${column.name} is not an identity column on fresh installs: the identity is dropped where there is one, its values kept.`,
    ]);
  }
  return step(
    'columnIdentityDrop',
    entryKey,
    doBlock([
      `  IF ${attribute(table, column.name, 'attidentity')} <> '' THEN`,
      `    ALTER TABLE ${table} ALTER COLUMN ${col} DROP IDENTITY;`,
      `    PERFORM setval(${literal(sequence)}, (SELECT greatest(coalesce(max(${col}), 0) + 1, 1) FROM ${table}), false);`,
      `  END IF;`,
    ]),
    [`${column.name} takes its values from ${sequence} on fresh installs: the identity is dropped where there is one, the sequence moved past the highest value.`],
  );
}

function generate(table: string, column: Column, existing: Column[], entryKey: string): PlannedStep[] {
  const col = ident(column.name);
  const steps: PlannedStep[] = [];
  if (existing.some((c) => c.generated === null)) {
    steps.push(
      disabledStep(
        'columnIdentityAdd',
        entryKey,
        doBlock([
          `  IF ${attribute(table, column.name, 'attgenerated')} = '' THEN`,
          `    ALTER TABLE ${table} DROP COLUMN ${col};`,
          `    ALTER TABLE ${table} ADD COLUMN ${col} ${column.type} GENERATED ALWAYS AS (${column.generated}) STORED;`,
          `  END IF;`,
        ]),
        `${column.name} is generated on fresh installs and a plain column on some others: making it generated replaces its stored values (and drops indexes and views on it). Check that the values equal ${column.generated}, then enable.`,
      ),
    );
  }
  if (existing.some((c) => c.generated !== null && c.generated !== column.generated)) {
    steps.push(
      disabledStep(
        'columnIdentityAdd',
        entryKey,
        `ALTER TABLE ${table} ALTER COLUMN ${col} SET EXPRESSION AS (${column.generated})`,
        `${column.name} is generated from another expression on some installs. SET EXPRESSION rewrites the table and needs PostgreSQL 17 (before that, drop and re-add the column): enable when that fits.`,
      ),
    );
  }
  return steps;
}
