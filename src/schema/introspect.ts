/**
 * Reads one database's catalogs into the canonical Schema. Every definition comes from
 * Postgres's own printers, read with `search_path = public, pg_catalog` inside one
 * read-only snapshot, so two databases on the same server print equal objects as equal
 * strings. Objects that belong to extensions are left out: they are the extension's.
 */
import type pg from 'pg';
import type { Column, Constraint, ConstraintType, EnumType, Extension, FunctionDef, Index, Schema, Sequence, Table, Trigger, View } from './schema.js';

/** Namespaces that are Postgres's own. */
const USER_NAMESPACES = `nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%'`;

/** Not created by an extension (pg_depend deptype 'e'). */
const notFromExtension = (classTable: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${classTable}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

export async function introspect(client: pg.ClientBase): Promise<Schema> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query('SET LOCAL search_path = public, pg_catalog');
    const schema: Schema = {
      schemas: await schemas(client),
      extensions: await extensions(client),
      enums: await enums(client),
      sequences: await sequences(client),
      tables: await tables(client),
      constraints: await constraints(client),
      indexes: await indexes(client),
      views: await views(client),
      functions: await functions(client),
      triggers: await triggers(client),
    };
    return schema;
  } finally {
    await client.query('COMMIT');
  }
}

async function schemas(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT nspname AS name FROM pg_namespace n WHERE ${USER_NAMESPACES} AND ${notFromExtension('pg_namespace', 'n.oid')} ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

async function extensions(client: pg.ClientBase): Promise<Extension[]> {
  const { rows } = await client.query<Extension>(
    `SELECT e.extname AS name, n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname <> 'plpgsql' ORDER BY 1`,
  );
  return rows;
}

async function enums(client: pg.ClientBase): Promise<EnumType[]> {
  const { rows } = await client.query<EnumType>(
    `SELECT n.nspname AS schema, t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
     WHERE ${USER_NAMESPACES} AND ${notFromExtension('pg_type', 't.oid')}
     GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return rows;
}

async function sequences(client: pg.ClientBase): Promise<Sequence[]> {
  const { rows } = await client.query<Sequence & { cycle: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS "dataType",
            s.seqstart::text AS start, s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max,
            s.seqcycle AS cycle,
            (SELECT CASE WHEN tn.nspname = 'public' THEN '' ELSE tn.nspname || '.' END || t.relname || '.' || a.attname
               FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
               JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a' LIMIT 1) AS "ownedBy"
     FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${USER_NAMESPACES} AND ${notFromExtension('pg_class', 'c.oid')}
       -- identity sequences belong to their column
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i')
     ORDER BY 1, 2`,
  );
  return rows;
}

async function tables(client: pg.ClientBase): Promise<Table[]> {
  const { rows } = await client.query<{ schema: string; table: string; partitioned: boolean } & Column & { position: number | null }>(
    `SELECT n.nspname AS schema, c.relname AS table, c.relkind = 'p' AS partitioned, a.attnum AS position,
            a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull",
            CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS default,
            CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS identity,
            CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS generated,
            CASE WHEN a.attcollation <> ty.typcollation AND a.attcollation <> 0 THEN co.collname END AS collation
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
     LEFT JOIN pg_type ty ON ty.oid = a.atttypid
     LEFT JOIN pg_collation co ON co.oid = a.attcollation
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${USER_NAMESPACES} AND ${notFromExtension('pg_class', 'c.oid')}
     ORDER BY 1, 2, a.attnum`,
  );
  const byTable = new Map<string, Table>();
  for (const row of rows) {
    const key = `${row.schema}.${row.table}`;
    let table = byTable.get(key);
    if (!table) {
      table = { schema: row.schema, name: row.table, columns: [], partitioned: row.partitioned };
      byTable.set(key, table);
    }
    if (row.position === null) continue;
    table.columns.push({
      name: row.name,
      type: row.type,
      notNull: row.notNull,
      default: row.default,
      identity: row.identity,
      generated: row.generated,
      collation: row.collation,
    });
  }
  return [...byTable.values()];
}

const CONSTRAINT_TYPES: Record<string, ConstraintType> = { p: 'primary key', u: 'unique', c: 'check', f: 'foreign key', x: 'exclusion' };

async function constraints(client: pg.ClientBase): Promise<Constraint[]> {
  const { rows } = await client.query<{ schema: string; table: string; name: string; contype: string; definition: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, con.conname AS name, con.contype, pg_get_constraintdef(con.oid, true) AS definition
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     -- Explicit: PG 18 also catalogs NOT NULL here, which columns already carry.
     WHERE con.contype IN ('p', 'u', 'c', 'f', 'x') AND con.conislocal AND NOT c.relispartition
       AND ${USER_NAMESPACES} AND ${notFromExtension('pg_class', 'c.oid')}
     ORDER BY 1, 2, 3`,
  );
  return rows.map((r) => ({ schema: r.schema, table: r.table, name: r.name, type: CONSTRAINT_TYPES[r.contype]!, definition: r.definition }));
}

async function indexes(client: pg.ClientBase): Promise<Index[]> {
  const { rows } = await client.query<Index>(
    `SELECT n.nspname AS schema, t.relname AS table, i.relname AS name, x.indisunique AS unique, am.amname AS method,
            pg_get_indexdef(x.indexrelid) AS statement
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = i.relam
     WHERE ${USER_NAMESPACES} AND t.relkind IN ('r', 'p', 'm') AND NOT t.relispartition
       AND ${notFromExtension('pg_class', 't.oid')}
       -- indexes that back a constraint are that constraint
       AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x'))
       AND NOT EXISTS (SELECT 1 FROM pg_inherits inh WHERE inh.inhrelid = x.indexrelid)
     ORDER BY 1, 2, 3`,
  );
  return rows;
}

async function views(client: pg.ClientBase): Promise<View[]> {
  const { rows } = await client.query<View>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized, pg_get_viewdef(c.oid, true) AS query
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('v', 'm') AND ${USER_NAMESPACES} AND ${notFromExtension('pg_class', 'c.oid')}
     ORDER BY 1, 2`,
  );
  return rows;
}

async function functions(client: pg.ClientBase): Promise<FunctionDef[]> {
  const { rows } = await client.query<FunctionDef>(
    `SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS "identityArguments",
            pg_get_functiondef(p.oid) AS statement
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
     WHERE p.prokind IN ('f', 'p') AND l.lanname <> 'c' AND l.lanname <> 'internal'
       AND ${USER_NAMESPACES} AND ${notFromExtension('pg_proc', 'p.oid')}
     ORDER BY 1, 2, 3`,
  );
  return rows;
}

async function triggers(client: pg.ClientBase): Promise<Trigger[]> {
  const { rows } = await client.query<Trigger>(
    `SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name, pg_get_triggerdef(t.oid, true) AS statement
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND ${USER_NAMESPACES} AND ${notFromExtension('pg_class', 'c.oid')}
     ORDER BY 1, 2, 3`,
  );
  return rows;
}
