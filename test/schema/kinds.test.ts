/** The registry of object kinds: one key per object, shared by diffing and the fix planner. */
import { describe, expect, it } from 'vitest';
import { planFix } from '../../src/fix/plan.js';
import { schemaEntries } from '../../src/schema/entries.js';
import { ALL_KINDS, emptySchema } from '../../src/schema/kinds/index.js';
import type { Schema } from '../../src/schema/schema.js';
import { column, constraint, index, schema, table } from '../fix/build-schema.js';

/** One object of every kind, on a table with a name that holds a dot. */
const EVERY_KIND: Schema = schema({
  schemas: ['public', 'app'],
  extensions: [{ name: 'pg_trgm', schema: 'public' }],
  enums: [{ schema: 'app', name: 'kind', values: ['a', 'b'] }],
  sequences: [{ schema: 'public', name: 'numbers', dataType: 'bigint', start: '1', increment: '1', min: '1', max: '9223372036854775807', cycle: false, ownedBy: null }],
  tables: [table('t.x', [column('id', 'integer', { notNull: true }), column('note', 'text')])],
  constraints: [constraint('t.x', 'pk', 'primary key', 'PRIMARY KEY (id)')],
  indexes: [index('t.x', 'ix', 'CREATE INDEX ix ON public."t.x" USING btree (note)')],
  views: [{ schema: 'public', name: 'v', materialized: false, query: ' SELECT 1;' }],
  functions: [
    {
      schema: 'public',
      name: 'f',
      identityArguments: 'a integer',
      statement: 'CREATE OR REPLACE FUNCTION public.f(a integer) RETURNS integer LANGUAGE sql AS $function$SELECT a$function$',
    },
  ],
  triggers: [{ schema: 'public', table: 't.x', name: 'tr', statement: 'CREATE TRIGGER tr BEFORE INSERT ON "t.x" FOR EACH ROW EXECUTE FUNCTION g()' }],
  rowSecurity: [{ schema: 'public', table: 't.x', enabled: true, forced: false }],
  policies: [{ schema: 'public', table: 't.x', name: 'p', command: 'select', permissive: true, roles: ['public'], using: 'true', withCheck: null }],
  comments: [
    { schema: 'public', table: 't.x', column: null, text: 'table' },
    { schema: 'public', table: 't.x', column: 'note', text: 'column' },
  ],
});

describe('the registry of object kinds', () => {
  it('reads every family of a Schema, and the fixture here has an object of each', () => {
    expect(Object.keys(emptySchema()).sort()).toEqual(ALL_KINDS.map((k) => k.family).sort());
    expect(Object.values(emptySchema()).every((objects) => objects.length === 0)).toBe(true);
    for (const kind of ALL_KINDS) expect(EVERY_KIND[kind.family].length, kind.family).toBeGreaterThan(0);
  });

  it("keys each object's own entry with the kind's key, prefixed by the entry's kind", () => {
    for (const kind of ALL_KINDS) {
      for (const object of EVERY_KIND[kind.family] as never[]) {
        const [own, ...rest] = kind.entries(object);
        expect(own!.key).toBe(kind.key(object));
        for (const entry of [own!, ...rest]) expect(entry.key.startsWith(`${entry.kind}:`)).toBe(true);
      }
    }
  });

  it('plans every step under the key of an entry that differs: creating every kind, and removing every kind', () => {
    const keys = new Set(schemaEntries(EVERY_KIND).keys());
    const creating = planFix(EVERY_KIND, [schema()]);
    const removing = planFix(schema(), [EVERY_KIND]);
    for (const step of [...creating, ...removing]) expect(keys.has(step.entryKey), step.entryKey).toBe(true);
    // Every kind is created (columns with their table); removals of what a missing table holds are the table's.
    const kindsOf = (steps: typeof creating) => new Set(steps.map((s) => s.entryKey.slice(0, s.entryKey.indexOf(':'))));
    expect([...kindsOf(creating)].sort()).toEqual([
      'comment',
      'constraint',
      'enum',
      'extension',
      'function',
      'index',
      'policy',
      'row security',
      'schema',
      'sequence',
      'table',
      'trigger',
      'view',
    ]);
    expect([...kindsOf(removing)].sort()).toEqual(['enum', 'extension', 'function', 'schema', 'sequence', 'table', 'view']);
  });

  it("orders removals as the reverse of their kinds' phases: dependents first, a column before its table", () => {
    const kept = table('k', [column('id', 'integer')]);
    const old = { ...EVERY_KIND, tables: [...EVERY_KIND.tables, table('k', [column('id', 'integer'), column('old', 'text')])] };
    const removals = planFix(schema({ tables: [kept] }), [old]).filter((s) => s.disabled);
    expect(removals.map((s) => s.entryKey)).toEqual([
      'view:public.v',
      'function:public.f(a integer)',
      'column:public.k.old',
      'table:public.t.x',
      'sequence:public.numbers',
      'enum:app.kind',
      'extension:pg_trgm',
      'schema:app',
    ]);
  });

  it('plans a changed object of each new kind under its key, and keeps the key format in one place', () => {
    const changed: Schema = {
      ...EVERY_KIND,
      policies: [{ ...EVERY_KIND.policies[0]!, using: 'false' }],
      rowSecurity: [{ ...EVERY_KIND.rowSecurity[0]!, forced: true }],
      comments: [{ ...EVERY_KIND.comments[0]!, text: 'other' }, EVERY_KIND.comments[1]!],
    };
    expect(planFix(EVERY_KIND, [changed]).map((s) => s.entryKey)).toEqual(['policy:public.t.x.p', 'policy:public.t.x.p', 'row security:public.t.x', 'comment:public.t.x']);
  });
});
