/**
 * What driftbot knows about one kind of schema object, in one place: how it is read
 * from the catalogs, keyed, defined and dumped. Every member is required, so a new kind
 * that leaves one out does not compile. The registry (index.ts) lists them;
 * introspection, entries and the dump loop over it; its fix planner is the one
 * `src/fix/planners.ts` names for its family (a floor up: the fix reads schemas, never
 * the other way round).
 */
import type { Schema, SchemaEntry } from '../schema.js';

/** Where a kind's objects live in a Schema. */
export type Family = keyof Schema;
export type ObjectOf<F extends Family> = Schema[F][number];

/** A schema entry with its line in the dump. */
export interface KindEntry extends SchemaEntry {
  /**
   * Its line in the text dump, or null when it has none. A line that starts with two
   * spaces goes under the line of the table (or view) that `table` names.
   */
  dump: string | null;
}

export interface ObjectKind<F extends Family> {
  family: F;
  /**
   * One SELECT with one row per object. It runs with `search_path = pg_catalog, public,
   * pg_temp` in a database the pull request built: call every function as
   * `pg_catalog.…` and give operators operands pg_catalog has that exact operator for
   * (introspect.ts says why).
   */
  query: string;
  /** The object from its row (as JSON). */
  read(row: Record<string, unknown>): ObjectOf<F>;
  /** Sorted by these, in code-point order. */
  sortKey(object: ObjectOf<F>): string[];
  /** The entry key (`constraint:public.t.uq`): the only place its format is written. */
  key(object: ObjectOf<F>): string;
  /** Its entries: the object's own (keyed by `key`), and for a table its columns'. */
  entries(object: ObjectOf<F>): KindEntry[];
}

/** The row is the object: the query's columns are its fields. */
export function asRow<T>(row: Record<string, unknown>): T {
  return row as T;
}
