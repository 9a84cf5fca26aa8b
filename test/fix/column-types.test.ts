/** Which type changes the fix applies, and which it leaves disabled. */
import { describe, expect, it } from 'vitest';
import { isSafeConversion, usingExpression } from '../../src/fix/column-types.js';

describe('isSafeConversion', () => {
  it.each([
    ['integer', 'text'],
    ['jsonb', 'character varying'],
    ['jsonb', 'text'],
    ['json', 'jsonb'],
    ['uuid', 'text'],
    ['character varying(20)', 'character varying'],
    ['character varying(20)', 'character varying(50)'],
    ['character(5)', 'character varying(5)'],
    ['smallint', 'integer'],
    ['integer', 'bigint'],
    ['integer', 'numeric'],
    ['integer', 'numeric(12,2)'],
    ['numeric(10,2)', 'numeric(12,2)'],
    ['numeric(10,2)', 'numeric'],
    ['timestamp(3) without time zone', 'timestamp(6) without time zone'],
    ['timestamp(3) with time zone', 'timestamp with time zone'],
    ['real', 'double precision'],
    ['integer[]', 'bigint[]'],
    ['date', 'timestamp with time zone'],
  ])('widening %s → %s is applied', (from, to) => {
    expect(isSafeConversion(from, to)).toBe(true);
  });

  it.each([
    ['character varying(50)', 'character varying(20)'],
    ['text', 'character varying(20)'],
    ['bigint', 'integer'],
    ['text', 'integer'],
    ['character varying', 'jsonb'],
    ['jsonb', 'character varying(20)'],
    ['numeric(10,2)', 'numeric(10,4)'],
    ['numeric(10,2)', 'numeric(8,1)'],
    ['integer', 'numeric(5,2)'],
    ['bigint', 'double precision'],
    ['character(5)', 'character'],
    ['text', 'mood'],
    ['bigint[]', 'integer[]'],
    ['timestamp(6) without time zone', 'timestamp(3) without time zone'],
  ])('narrowing or failure-prone %s → %s is disabled', (from, to) => {
    expect(isSafeConversion(from, to)).toBe(false);
  });
});

describe('usingExpression', () => {
  it('unwraps JSON strings into text, casts otherwise', () => {
    expect(usingExpression('status', 'jsonb', 'character varying')).toBe("status #>> '{}'");
    expect(usingExpression('status', 'json', 'text')).toBe("status #>> '{}'");
    expect(usingExpression('n', 'integer', 'bigint')).toBe('n::bigint');
    expect(usingExpression('"Weird"', 'character varying(50)', 'character varying(20)')).toBe('"Weird"::character varying(20)');
  });
});
