/**
 * A Schema flattened into comparable entries: one per object, with a stable key and a
 * short canonical definition, so that comparing two databases is comparing two maps and
 * equal objects are equal strings (docs/contract.md §2). The definitions are also what the
 * report shows, so they read like DDL, only shorter. Each kind (kinds/) makes its own
 * entries; this only collects them, in the registry's order.
 */
import type { Schema, SchemaEntry } from './schema.js';
import { ALL_KINDS } from './kinds/index.js';
import type { KindEntry } from './kinds/kind.js';

/** Every entry with its dump line, in the registry's order: what the dump is made of. */
export function kindEntries(schema: Schema): KindEntry[] {
  return ALL_KINDS.flatMap((kind) => (schema[kind.family] as never[]).flatMap((object) => kind.entries(object)));
}

export function schemaEntries(schema: Schema): Map<string, SchemaEntry> {
  return new Map(kindEntries(schema).map(({ dump: _dump, ...entry }) => [entry.key, entry]));
}
