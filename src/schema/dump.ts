/**
 * A readable, deterministic text dump of a schema, for the unified diff in reports:
 * one line per object, columns sorted by name so that a column's position never shows
 * up as a change.
 */
import type { Schema } from './schema.js';
import { columnDefinition, indexDefinition, qualified } from './entries.js';

export function schemaDump(schema: Schema): string {
  const lines: string[] = [];
  const byTable = <T extends { schema: string; table: string }>(items: T[], table: { schema: string; name: string }) =>
    items.filter((i) => i.schema === table.schema && i.table === table.name).sort((a, b) => ((a as unknown as { name: string }).name < (b as unknown as { name: string }).name ? -1 : 1));

  for (const table of [...schema.tables].sort((a, b) => qualified(a.schema, a.name).localeCompare(qualified(b.schema, b.name)))) {
    lines.push(`TABLE ${qualified(table.schema, table.name)}${table.partitioned ? ' (partitioned)' : ''}`);
    for (const column of [...table.columns].sort((a, b) => a.name.localeCompare(b.name))) lines.push(`  ${column.name} ${columnDefinition(column)}`);
    for (const constraint of byTable(schema.constraints, table)) lines.push(`  CONSTRAINT ${constraint.name} ${constraint.definition}`);
    for (const index of byTable(schema.indexes, table)) lines.push(`  INDEX ${index.name} ${indexDefinition(index.statement, index.unique)}`);
    for (const trigger of byTable(schema.triggers, table)) lines.push(`  TRIGGER ${trigger.name} ${trigger.statement.replace(/\s+/g, ' ').replace(/^CREATE (CONSTRAINT )?TRIGGER \S+ /, '')}`);
  }
  for (const e of schema.enums) lines.push(`ENUM ${qualified(e.schema, e.name)} (${e.values.map((v) => `'${v}'`).join(', ')})`);
  for (const s of schema.sequences) lines.push(`SEQUENCE ${qualified(s.schema, s.name)} ${s.dataType}${s.ownedBy ? ` owned by ${s.ownedBy}` : ''}`);
  for (const v of schema.views) lines.push(`${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${qualified(v.schema, v.name)} AS ${v.query.replace(/\s+/g, ' ').trim()}`);
  for (const f of schema.functions) lines.push(`FUNCTION ${qualified(f.schema, f.name)}(${f.identityArguments})`);
  for (const e of schema.extensions) lines.push(`EXTENSION ${e.name}`);
  for (const name of schema.schemas) if (name !== 'public') lines.push(`SCHEMA ${name}`);
  return `${lines.join('\n')}\n`;
}
