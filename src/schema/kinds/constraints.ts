/** Primary key, unique, check, foreign key and exclusion constraints (never NOT NULL). */
import type { Constraint } from '../schema.js';
import { castEachElement } from '../array-casts.js';
import { dumpName, qualified } from '../definitions.js';
import { notFromExtension, notPartition, userNamespace } from './catalog-sql.js';
import { asRow, type ObjectKind } from './kind.js';

export function constraintKey(constraint: Constraint): string {
  return `constraint:${constraint.schema}.${constraint.table}.${constraint.name}`;
}

export const constraints: ObjectKind<'constraints'> = {
  family: 'constraints',
  /**
   * The contype list is explicit: PG 18 also catalogs NOT NULL here, which the column
   * already carries. Constraints inherited from a parent table are the parent's.
   */
  query: `
  SELECT n.nspname AS schema, c.relname AS table, con.conname AS name,
         CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'c' THEN 'check'
                          WHEN 'f' THEN 'foreign key' WHEN 'x' THEN 'exclusion' END AS type,
         pg_catalog.pg_get_constraintdef(con.oid, true) AS definition
  FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE con.contype IN ('p', 'u', 'c', 'f', 'x') AND con.conislocal
    AND ${notPartition('c')} AND ${userNamespace('n')} AND ${notFromExtension('pg_class', 'c.oid')}`,
  read: asRow,
  sortKey: (c) => [c.schema, c.table, c.name],
  key: constraintKey,
  entries: (c) => [
    {
      key: constraintKey(c),
      kind: 'constraint',
      table: qualified(c.schema, c.table),
      name: c.name,
      definition: castEachElement(c.definition),
      dump: `  CONSTRAINT ${dumpName(c.name)} ${castEachElement(c.definition)}`,
    },
  ],
};
