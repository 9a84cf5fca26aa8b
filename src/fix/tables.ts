/**
 * Steps for tables and columns: create what is missing, convert types where it is
 * safe, align defaults and nullability; never drop data silently.
 */
import type { Column, Schema, Table } from '../schema/schema.js';
import { doBlock, ident, literal, qualifiedIdent } from './sql.js';
import { Phase, disabledStep, step, type PlannedStep } from './step.js';

export function tableSteps(target: Schema, current: Schema[]): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const targetTables = byName(target.tables);
  const currentTables = current.map((schema) => byName(schema.tables));

  for (const [key, table] of targetTables) {
    const name = qualifiedIdent(table.schema, table.name);
    const tableKey = `table:${key}`;
    if (currentTables.some((tables) => !tables.has(key))) {
      steps.push(step(Phase.table, tableKey, `CREATE TABLE IF NOT EXISTS ${name} (\n${table.columns.map((c) => `    ${columnSpec(c)}`).join(',\n')}\n)${table.partitioned ? ' -- partitioned on fresh installs: add PARTITION BY by hand' : ''}`));
    }
    const existing = currentTables.map((tables) => tables.get(key)).filter((t): t is Table => t !== undefined);
    for (const column of table.columns) {
      const columnKey = `column:${key}.${column.name}`;
      const versions = existing.map((t) => t.columns.find((c) => c.name === column.name));
      if (versions.some((c) => c === undefined)) {
        steps.push(addColumn(name, column, columnKey));
      }
      const present = versions.filter((c): c is Column => c !== undefined);
      steps.push(...typeSteps(table, column, present, columnKey));
      if (present.some((c) => c.default !== column.default) && !column.identity && column.generated === null) {
        steps.push(
          step(
            Phase.columnDefault,
            columnKey,
            column.default === null
              ? `ALTER TABLE ${name} ALTER COLUMN ${ident(column.name)} DROP DEFAULT`
              : `ALTER TABLE ${name} ALTER COLUMN ${ident(column.name)} SET DEFAULT ${column.default}`,
          ),
        );
      }
      const added = versions.some((c) => c === undefined);
      if (present.some((c) => c.notNull !== column.notNull) || (added && column.notNull && column.default === null && !column.identity)) {
        steps.push(
          column.notNull
            ? step(Phase.columnNullability, columnKey, `ALTER TABLE ${name} ALTER COLUMN ${ident(column.name)} SET NOT NULL`, [
                `${column.name} is NOT NULL on fresh installs: this fails while old rows hold NULL there (backfill them first).`,
              ])
            : step(Phase.columnNullability, columnKey, `ALTER TABLE ${name} ALTER COLUMN ${ident(column.name)} DROP NOT NULL`),
        );
      }
      if (present.some((c) => c.identity !== column.identity || c.generated !== column.generated)) {
        steps.push(
          disabledStep(
            Phase.columnType,
            columnKey,
            `ALTER TABLE ${name} ALTER COLUMN ${ident(column.name)} ${column.identity ? `ADD GENERATED ${column.identity.toUpperCase()} AS IDENTITY` : column.generated ? `-- GENERATED ALWAYS AS (${column.generated}) STORED` : 'DROP IDENTITY IF EXISTS'}`,
            `${column.name}: identity/generated differs between installs; changing it rewrites how values are produced, so review and apply by hand.`,
          ),
        );
      }
    }
    // Columns only old databases have: their data is there, so never dropped silently.
    const extra = new Set(existing.flatMap((t) => t.columns.map((c) => c.name)).filter((n) => !table.columns.some((c) => c.name === n)));
    for (const columnName of extra) {
      steps.push(
        disabledStep(
          Phase.removal,
          `column:${key}.${columnName}`,
          `ALTER TABLE ${name} DROP COLUMN IF EXISTS ${ident(columnName)}`,
          `${columnName} exists only on databases upgraded from older revisions and may hold data: copy what you need, then drop it.`,
        ),
      );
    }
  }

  for (const key of new Set(currentTables.flatMap((tables) => [...tables.keys()]))) {
    if (targetTables.has(key)) continue;
    const table = currentTables.map((tables) => tables.get(key)).find(Boolean)!;
    steps.push(
      disabledStep(
        Phase.removal,
        `table:${key}`,
        `DROP TABLE IF EXISTS ${qualifiedIdent(table.schema, table.name)}`,
        `${table.name} exists only on databases upgraded from older revisions and may hold data: archive it, then drop it.`,
      ),
    );
  }
  return steps;
}

function addColumn(table: string, column: Column, key: string): PlannedStep {
  // NOT NULL goes with the column only when a default fills existing rows.
  const spec = columnSpec({ ...column, notNull: column.notNull && (column.default !== null || column.identity !== null) });
  return step(Phase.column, key, `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${spec}`);
}

function columnSpec(column: Column): string {
  const parts = [ident(column.name), column.type];
  if (column.collation) parts.push(`COLLATE ${ident(column.collation)}`);
  if (column.generated !== null) parts.push(`GENERATED ALWAYS AS (${column.generated}) STORED`);
  else if (column.identity) parts.push(`GENERATED ${column.identity.toUpperCase()} AS IDENTITY`);
  else if (column.default !== null) parts.push(`DEFAULT ${column.default}`);
  if (column.notNull) parts.push('NOT NULL');
  return parts.join(' ');
}

/**
 * One guarded conversion for every install whose type differs: it runs only where
 * the current type is not the target, so it is a no-op on fresh installs.
 */
function typeSteps(table: Table, column: Column, present: Column[], key: string): PlannedStep[] {
  const fromTypes = [...new Set(present.map((c) => c.type).filter((t) => t !== column.type))];
  if (fromTypes.length === 0) return [];
  const name = qualifiedIdent(table.schema, table.name);
  const col = ident(column.name);
  const unsafe = fromTypes.filter((from) => !isSafeConversion(from, column.type));
  const usingJson = fromTypes.every((from) => from === 'json' || from === 'jsonb') && isTextual(column.type);
  const using = usingJson ? `${col} #>> '{}'` : `${col}::${column.type}`;
  const body = [
    `IF (SELECT format_type(atttypid, atttypmod) FROM pg_attribute`,
    `    WHERE attrelid = ${literal(name)}::regclass AND attname = ${literal(column.name)} AND NOT attisdropped) IS DISTINCT FROM ${literal(column.type)} THEN`,
    // A default of the old type may not cast to the new one: drop it, set the target's after.
    ...(present.some((c) => c.default !== null) ? [`  ALTER TABLE ${name} ALTER COLUMN ${col} DROP DEFAULT;`] : []),
    `  ALTER TABLE ${name} ALTER COLUMN ${col} TYPE ${column.type} USING ${using};`,
    ...(column.default !== null ? [`  ALTER TABLE ${name} ALTER COLUMN ${col} SET DEFAULT ${column.default};`] : []),
    `END IF;`,
  ].join('\n');
  const sql = doBlock(body);
  const was = fromTypes.join(' or ');
  if (unsafe.length) {
    return [disabledStep(Phase.columnType, key, sql, `${column.name} is ${was} on upgraded databases and ${column.type} on fresh ones; converting ${unsafe.join(', ')} to ${column.type} can fail or lose data: check the values, then enable.`)];
  }
  return [
    step(Phase.columnType, key, sql, [
      `${column.name} is ${was} on upgraded databases and ${column.type} on fresh ones: convert only where it is not yet ${column.type}${usingJson ? ', unwrapping JSON strings' : ''}. Review before merging.`,
    ]),
  ];
}

const INTEGER_WIDTH: Record<string, number> = { smallint: 1, integer: 2, bigint: 3 };

/** Conversions that neither fail nor lose information on any value. */
export function isSafeConversion(from: string, to: string): boolean {
  if (from === to) return true;
  if (to === 'text' || to === 'character varying') return isTextual(from) || from === 'json' || from === 'jsonb' || from in INTEGER_WIDTH || from === 'uuid';
  const length = (type: string) => Number(/^character varying\((\d+)\)$/.exec(type)?.[1] ?? NaN);
  if (/^character varying\(\d+\)$/.test(to)) return /^character varying\(\d+\)$/.test(from) && length(from) <= length(to);
  if ((from === 'json' && to === 'jsonb') || (from === 'jsonb' && to === 'json')) return true;
  if (from in INTEGER_WIDTH && to in INTEGER_WIDTH) return INTEGER_WIDTH[from]! <= INTEGER_WIDTH[to]!;
  if (from in INTEGER_WIDTH && to === 'numeric') return true;
  if (from === 'real' && to === 'double precision') return true;
  if (/^numeric\(/.test(from) && to === 'numeric') return true;
  if (from === 'timestamp without time zone' && to === 'timestamp with time zone') return true;
  return false;
}

function isTextual(type: string): boolean {
  return type === 'text' || type.startsWith('character varying') || type.startsWith('character(');
}

function byName(tables: Table[]): Map<string, Table> {
  return new Map(tables.map((t) => [`${t.schema}.${t.name}`, t]));
}
