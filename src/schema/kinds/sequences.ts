/** Free-standing and serial sequences; identity sequences belong to their column. */
import type { Sequence } from '../schema.js';
import { dumpQualified, qualified, sequenceDefinition } from '../definitions.js';
import { catalog, notFromExtension, userNamespace } from './catalog-sql.js';
import { asRow, type ObjectKind } from './kind.js';

export function sequenceKey(sequence: Sequence): string {
  return `sequence:${sequence.schema}.${sequence.name}`;
}

export const sequences: ObjectKind<'sequences'> = {
  family: 'sequences',
  /**
   * An identity column's sequence depends on it with deptype 'i' and belongs to the column;
   * a serial's (or any `OWNED BY`) with deptype 'a', which gives `ownedBy`.
   */
  query: `
  SELECT n.nspname AS schema, c.relname AS name, pg_catalog.format_type(s.seqtypid, NULL) AS "dataType",
         s.seqstart::text AS start, s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max,
         s.seqcycle AS cycle,
         (SELECT pg_catalog.concat(CASE WHEN tn.nspname <> 'public' THEN tn.nspname::text || '.' END, t.relname, '.', a.attname)
            FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
           WHERE d.classid = ${catalog('pg_class')} AND d.objid = c.oid AND d.refclassid = ${catalog('pg_class')} AND d.deptype = 'a'
           LIMIT 1) AS "ownedBy"
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE ${userNamespace('n')} AND ${notFromExtension('pg_class', 'c.oid')}
    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = ${catalog('pg_class')} AND d.objid = c.oid
                     AND d.refclassid = ${catalog('pg_class')} AND d.deptype = 'i')`,
  read: asRow,
  sortKey: (s) => [s.schema, s.name],
  key: sequenceKey,
  entries: (s) => {
    // A serial's sequence goes with its table: when one side lacks the table, the
    // table's finding covers the sequence too.
    const owner = s.ownedBy === null ? null : s.ownedBy.slice(0, s.ownedBy.lastIndexOf('.'));
    const name = owner === null ? qualified(s.schema, s.name) : s.name;
    return [
      {
        key: sequenceKey(s),
        kind: 'sequence',
        table: owner,
        name,
        definition: sequenceDefinition(s),
        dump: `SEQUENCE ${dumpQualified(s.schema, s.name)} ${sequenceDefinition(s)}`,
      },
    ];
  },
};
