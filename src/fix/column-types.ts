/**
 * Type changes: one guarded conversion per type an install may have, each run only
 * where the column still has that type, so it is a no-op where the type already
 * matches. Widening conversions are applied; the rest are written disabled.
 */
import type { Column } from '../schema/schema.js';
import { currentColumnType, doBlock, ident, literal } from './sql.js';
import { disabledStep, step, type PlannedStep } from './step.js';

export function columnTypeSteps(table: string, column: Column, existing: Column[], entryKey: string): PlannedStep[] {
  const fromTypes = [...new Set(existing.map((c) => c.type))].filter((type) => type !== column.type);
  const safe = fromTypes.filter((from) => isSafeConversion(from, column.type));
  const unsafe = fromTypes.filter((from) => !isSafeConversion(from, column.type));
  const steps: PlannedStep[] = [];
  const hadDefault = (from: string) => existing.some((c) => c.type === from && c.default !== null);
  if (safe.length) {
    const unwraps = safe.some((from) => unwrapsJson(from, column.type));
    steps.push(
      step('columnType', entryKey, conversion(table, column, safe, hadDefault), [
        `${column.name} is ${safe.join(' or ')} on some installs and ${column.type} on fresh ones: converted only where it is still ${safe.join(' or ')}${unwraps ? ', unwrapping JSON strings' : ''}.`,
      ]),
    );
  }
  if (unsafe.length) {
    steps.push(
      disabledStep(
        'columnType',
        entryKey,
        conversion(table, column, unsafe, hadDefault),
        `${column.name} is ${unsafe.join(' or ')} on some installs and ${column.type} on fresh ones; the conversion fails or loses data where a value does not fit ${column.type}. ${checkHint(table, column, unsafe)}, then enable.`,
      ),
    );
  }
  return steps;
}

function conversion(table: string, column: Column, fromTypes: string[], hadDefault: (from: string) => boolean): string {
  const col = ident(column.name);
  const lines: string[] = [];
  fromTypes.forEach((from, i) => {
    lines.push(`  ${i === 0 ? 'IF' : 'ELSIF'} ${currentColumnType(table, column.name)} = ${literal(from)} THEN`);
    // The old default may not convert to the new type: dropped first, the target's set after.
    if (hadDefault(from)) lines.push(`    ALTER TABLE ${table} ALTER COLUMN ${col} DROP DEFAULT;`);
    lines.push(`    ALTER TABLE ${table} ALTER COLUMN ${col} TYPE ${column.type} USING ${usingExpression(col, from, column.type)};`);
    if (hadDefault(from) && column.default !== null && column.identity === null && column.generated === null) {
      lines.push(`    ALTER TABLE ${table} ALTER COLUMN ${col} SET DEFAULT ${column.default};`);
    }
  });
  lines.push('  END IF;');
  return doBlock(lines);
}

/** How each value is converted: JSON strings unwrapped to their text, a cast otherwise. */
export function usingExpression(col: string, from: string, to: string): string {
  return unwrapsJson(from, to) ? `${col} #>> '{}'` : `${col}::${to}`;
}

function unwrapsJson(from: string, to: string): boolean {
  return (from === 'json' || from === 'jsonb') && isTextual(to);
}

const INTEGER_RANK: Record<string, number> = { smallint: 1, integer: 2, bigint: 3 };
/** Decimal digits each integer type needs at most. */
const INTEGER_DIGITS: Record<string, number> = { smallint: 5, integer: 10, bigint: 19 };

/** Conversions that neither fail nor lose information, whatever the values. */
export function isSafeConversion(from: string, to: string): boolean {
  if (from === to) return true;
  if (from.endsWith('[]') && to.endsWith('[]')) return isSafeConversion(from.slice(0, -2), to.slice(0, -2));
  // Every value has a text form.
  if (to === 'text' || to === 'character varying') return true;
  if ((from === 'json' && to === 'jsonb') || (from === 'jsonb' && to === 'json')) return true;
  if (from in INTEGER_RANK) {
    if (to in INTEGER_RANK) return INTEGER_RANK[from]! <= INTEGER_RANK[to]!;
    if (to === 'numeric' || (to === 'double precision' && from !== 'bigint') || (to === 'real' && from === 'smallint')) return true;
    const numeric = parameters(to);
    return numeric?.base === 'numeric' && numeric.values[0]! - (numeric.values[1] ?? 0) >= INTEGER_DIGITS[from]!;
  }
  if (from === 'real' && to === 'double precision') return true;
  if (from === 'date' && (to === 'timestamp without time zone' || to === 'timestamp with time zone')) return true;
  if (from === 'timestamp without time zone' && to === 'timestamp with time zone') return true;
  return isWiderParameters(from, to);
}

/** The same type with larger (or no) limits: `varchar(20)` → `varchar(50)`, `numeric(10,2)` → `numeric(12,2)`. */
function isWiderParameters(from: string, to: string): boolean {
  const a = parameters(from);
  const b = parameters(to);
  if (!a) return false;
  // `character(n)` fits any `character varying` at least n long.
  const sameBase = a.base === (b ?? { base: to }).base || (a.base === 'character' && (b?.base ?? to) === 'character varying');
  if (!sameBase) return false;
  if (!b) return a.base !== 'character' && a.base !== 'bit';
  if (a.base === 'numeric') {
    const [p1, s1 = 0] = a.values;
    const [p2, s2 = 0] = b.values;
    return s2 >= s1 && p2! - s2 >= p1! - s1;
  }
  return a.values.length === 1 && b.values.length === 1 && a.values[0]! <= b.values[0]!;
}

/** `timestamp(3) with time zone` → base `timestamp with time zone`, values [3]. */
function parameters(type: string): { base: string; values: number[] } | null {
  const match = /^([a-z ]+?)\((\d+(?:,\d+)?)\)(.*)$/.exec(type);
  if (!match) return null;
  return { base: `${match[1]}${match[3]}`, values: match[2]!.split(',').map(Number) };
}

function isTextual(type: string): boolean {
  return type === 'text' || type.startsWith('character varying') || type.startsWith('character(');
}

function checkHint(table: string, column: Column, fromTypes: string[]): string {
  const limit = /^character varying\((\d+)\)$/.exec(column.type)?.[1];
  if (limit && fromTypes.every(isTextual)) return `Check that no value is longer than ${limit} (SELECT count(*) FROM ${table} WHERE length(${ident(column.name)}) > ${limit})`;
  return `Check that every value converts (SELECT ${ident(column.name)}::${column.type} FROM ${table} must succeed)`;
}
