/**
 * A readable, deterministic text dump of a schema, made for a unified diff between two
 * databases: one line per schema entry (the same entries findings compare, so whatever
 * differs there shows here), in the registry's order, each table (or materialized view)
 * followed by its own objects, indented. Those are sorted by kind, then name, so that a
 * column's position never shows as a change.
 */
import type { Schema } from './schema.js';
import { kindEntries } from './entries.js';
import type { KindEntry } from './kinds/kind.js';

export function schemaDump(schema: Schema): string {
  const entries = kindEntries(schema).filter((e): e is KindEntry & { dump: string } => e.dump !== null);
  const kindRank = new Map<string, number>();
  for (const entry of entries) if (!kindRank.has(entry.kind)) kindRank.set(entry.kind, kindRank.size);

  const nested = (e: KindEntry) => e.dump!.startsWith('  ');
  // Only a table or a view holds lines: an extension or a schema may share its name.
  const holds = (e: KindEntry) => e.kind === 'table' || e.kind === 'view';
  const holders = new Set(entries.filter(holds).map((e) => e.name));
  const under = new Map<string, (KindEntry & { dump: string })[]>();
  for (const entry of entries) {
    if (!nested(entry) || entry.table === null || !holders.has(entry.table)) continue;
    const group = under.get(entry.table);
    if (group) group.push(entry);
    else under.set(entry.table, [entry]);
  }

  const lines: string[] = [];
  for (const entry of entries) {
    if (nested(entry) && entry.table !== null && holders.has(entry.table)) continue;
    lines.push(entry.dump);
    if (holds(entry)) {
      const group = [...(under.get(entry.name) ?? [])].sort((a, b) => kindRank.get(a.kind)! - kindRank.get(b.kind)! || compareText(a.name, b.name));
      lines.push(...group.map((e) => e.dump));
    }
  }
  return lines.map((line) => `${line}\n`).join('');
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
