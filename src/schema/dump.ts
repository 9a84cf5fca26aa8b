/**
 * A readable, deterministic text dump of a schema, made for a unified diff between two
 * databases: one line per object, each table followed by its columns, constraints and
 * indexes, indented. Columns are sorted by name so that a column's position never shows
 * as a change; everything else comes in the Schema's own (sorted) order.
 */
import type { Schema } from './schema.js';
import { columnDefinition, enumValueList, fold, indexDefinition, sequenceDefinition, triggerDefinition, viewQuery } from './entries.js';

export function schemaDump(schema: Schema): string {
  const lines: string[] = [];
  const tableKey = (item: { schema: string; table: string }) => `${item.schema}.${item.table}`;
  const constraints = groupBy(schema.constraints, tableKey);
  const indexes = groupBy(schema.indexes, tableKey);

  for (const table of schema.tables) {
    lines.push(`TABLE ${qualifiedName(table.schema, table.name)}${table.partitioned ? ' (partitioned)' : ''}`);
    const columns = [...table.columns].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const column of columns) lines.push(`  ${name(column.name)} ${columnDefinition(column)}`);
    const key = `${table.schema}.${table.name}`;
    for (const constraint of constraints.get(key) ?? []) lines.push(`  CONSTRAINT ${name(constraint.name)} ${constraint.definition}`);
    for (const index of indexes.get(key) ?? []) lines.push(`  INDEX ${name(index.name)} ${indexDefinition(index)}`);
  }
  for (const type of schema.enums) lines.push(`ENUM ${qualifiedName(type.schema, type.name)} ${enumValueList(type)}`);
  for (const sequence of schema.sequences) lines.push(`SEQUENCE ${qualifiedName(sequence.schema, sequence.name)} ${sequenceDefinition(sequence)}`);
  for (const view of schema.views) {
    lines.push(`${view.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${qualifiedName(view.schema, view.name)} AS ${viewQuery(view)}`);
  }
  // `FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $function$ … $function$`: the body is part of the line, so a changed body shows.
  for (const routine of schema.functions) lines.push(fold(routine.statement).replace(/^CREATE OR REPLACE /, ''));
  for (const trigger of schema.triggers) lines.push(`TRIGGER ${name(trigger.name)} ${triggerDefinition(trigger)}`);
  for (const extension of schema.extensions) lines.push(`EXTENSION ${name(extension.name)} in ${name(extension.schema)}`);
  for (const schemaName of schema.schemas) if (schemaName !== 'public') lines.push(`SCHEMA ${name(schemaName)}`);
  return lines.map((line) => `${line}\n`).join('');
}

/** A name as DDL writes it, so that one with a space or a dot still reads as one name. */
function name(identifier: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(identifier) ? identifier : `"${identifier.replace(/"/g, '""')}"`;
}

/** Unqualified in public, as everywhere in reports. */
function qualifiedName(schema: string, identifier: string): string {
  return schema === 'public' ? name(identifier) : `${name(schema)}.${name(identifier)}`;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
