/**
 * Reads one database's catalogs into the canonical Schema.
 *
 * Every definition comes from Postgres's own printers, read inside one read-only
 * snapshot with `search_path = pg_catalog, public`, so objects in public print
 * unqualified, everything else qualified, and two databases on the same server print
 * equal objects as equal strings. Objects that belong to an extension are the
 * extension's, not the application's: they are left out.
 *
 * The database was built by the pull request's migrations, which may have created
 * `public.format_type`, `public.pg_class` or an operator `public.=(oid, regclass)` to
 * forge a clean report. So pg_catalog comes first on the path (its tables, types and
 * exactly matching operators win), every function is called as `pg_catalog.…` (a
 * public overload that fits the arguments better would otherwise be chosen), and every
 * operator's operands have types pg_catalog has that exact operator for (a `::text` or
 * `::oid` where they would not). test/schema/introspect.test.ts › forged holds it.
 *
 * Each kind of object (kinds/) has one SELECT; all of them travel in a single query
 * (one JSON column per family), because introspection runs several times per analysis.
 * The shared fragments (user namespaces, not an extension's, not a partition) are in
 * kinds/catalog-sql.ts.
 */
import type pg from 'pg';
import type { Schema } from './schema.js';
import { ALL_KINDS } from './kinds/index.js';

const CATALOG_QUERY = `SELECT ${ALL_KINDS.map((kind) => `(SELECT coalesce(pg_catalog.json_agg(r), '[]') FROM (${kind.query}) r) AS "${kind.family}"`).join(',\n')}`;

/** Reads the connected database's schema. The client must not be inside a transaction. */
export async function introspect(client: pg.ClientBase): Promise<Schema> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = pg_catalog, public, pg_temp');
  try {
    const { rows } = await client.query<Record<string, Record<string, unknown>[]>>(CATALOG_QUERY);
    return sorted(rows[0]!);
  } finally {
    // Read only: nothing to keep, and a rollback also ends a transaction an error aborted.
    await client.query('ROLLBACK');
  }
}

/**
 * Sorted here rather than in SQL: ORDER BY would follow each database's own collation,
 * and code-point order is the same everywhere. Columns keep their declared order.
 */
function sorted(read: Record<string, Record<string, unknown>[]>): Schema {
  return Object.fromEntries(
    ALL_KINDS.map((kind) => [
      kind.family,
      sortBy(
        read[kind.family]!.map((row) => kind.read(row)),
        (o) => kind.sortKey(o),
      ),
    ]),
  ) as unknown as Schema;
}

function sortBy<T>(items: T[], key: (item: T) => string[]): T[] {
  return items
    .map((item) => ({ item, key: key(item) }))
    .sort((a, b) => {
      for (let i = 0; i < a.key.length; i++) {
        const order = compareText(a.key[i]!, b.key[i]!);
        if (order !== 0) return order;
      }
      return 0;
    })
    .map(({ item }) => item);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
