/** The planner's statement forms, one object family at a time, on hand-built schemas. */
import { describe, expect, it } from 'vitest';
import { planFix } from '../../src/fix/plan.js';
import type { FixStep } from '../../src/report/report.js';
import type { Schema } from '../../src/schema/schema.js';
import { column, constraint, index, schema, table } from './build-schema.js';

/** Plans from `target` for a fresh database equal to it and an old one. */
const plan = (target: Schema, old: Schema): FixStep[] => planFix(target, [target, old]);
const sqlOf = (steps: FixStep[]) => steps.map((s) => s.sql);

describe('objects in the same state everywhere', () => {
  it('plan nothing', () => {
    const everything = schema({
      schemas: ['public', 'audit'],
      extensions: [{ name: 'pg_trgm', schema: 'public' }],
      enums: [{ schema: 'public', name: 'mood', values: ['ok'] }],
      tables: [table('t', [column('id', 'integer', { notNull: true, default: "nextval('t_id_seq'::regclass)" })])],
      sequences: [{ schema: 'public', name: 't_id_seq', dataType: 'integer', start: '1', increment: '1', min: '1', max: '2147483647', cycle: false, ownedBy: 't.id' }],
      constraints: [constraint('t', 't_pkey', 'primary key', 'PRIMARY KEY (id)')],
      indexes: [index('t', 'ix', 'CREATE INDEX ix ON public.t USING btree (id)')],
      views: [{ schema: 'public', name: 'v', materialized: false, query: ' SELECT id\n   FROM t;' }],
      functions: [
        {
          schema: 'public',
          name: 'f',
          identityArguments: '',
          statement: 'CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\nAS $function$select 1$function$\n',
        },
      ],
      triggers: [{ schema: 'public', table: 't', name: 'tr', statement: 'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()' }],
    });
    expect(plan(everything, structuredClone(everything))).toEqual([]);
  });
});

describe('schemas and extensions', () => {
  it('are created if missing', () => {
    const steps = plan(schema({ schemas: ['public', 'Audit'], extensions: [{ name: 'pg_trgm', schema: 'public' }] }), schema());
    expect(sqlOf(steps)).toEqual(['CREATE SCHEMA IF NOT EXISTS "Audit"', 'CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public']);
    expect(steps.map((s) => s.entryKey)).toEqual(['schema:Audit', 'extension:pg_trgm']);
  });

  it('only old databases have are left, disabled', () => {
    const steps = plan(schema(), schema({ schemas: ['public', 'legacy'], extensions: [{ name: 'hstore', schema: 'public' }] }));
    expect(steps.every((s) => s.disabled && s.comments.length === 1)).toBe(true);
    expect(sqlOf(steps)).toEqual(['DROP EXTENSION IF EXISTS hstore', 'DROP SCHEMA IF EXISTS legacy']);
  });
});

describe('enums', () => {
  const mood = (...values: string[]) => ({ schema: 'public', name: 'mood', values });

  it('a missing type is created inside a guard on pg_type', () => {
    const [step] = plan(schema({ enums: [mood('sad', "it's")] }), schema());
    expect(step!.sql).toContain("WHERE n.nspname = 'public' AND t.typname = 'mood') THEN");
    expect(step!.sql).toContain("CREATE TYPE mood AS ENUM ('sad', 'it''s');");
    expect(step!.sql).toMatch(/^DO \$\$\nBEGIN\n {2}IF NOT EXISTS \(SELECT 1 FROM pg_type t JOIN pg_namespace n/);
  });

  it('missing values are added in the target order, after their predecessor or before the first shared value', () => {
    const steps = plan(schema({ enums: [mood('new', 'sad', 'meh', 'ok', 'happy')] }), schema({ enums: [mood('sad', 'ok')] }));
    expect(sqlOf(steps)).toEqual([
      "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'new' BEFORE 'sad'",
      "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' AFTER 'sad'",
      "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy' AFTER 'ok'",
    ]);
    expect(steps.every((s) => !s.disabled && s.entryKey === 'enum:public.mood')).toBe(true);
  });

  it('a removed value is a disabled rebuild of the type, converting every column that uses it', () => {
    const target = schema({ enums: [mood('sad', 'ok')], tables: [table('t', [column('m', 'mood', { default: "'ok'::mood" }), column('ms', 'mood[]')])] });
    const old = schema({ enums: [mood('sad', 'meh', 'ok')], tables: target.tables });
    const steps = plan(target, old);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ disabled: true, entryKey: 'enum:public.mood' });
    expect(steps[0]!.comments[0]).toMatch(/'meh'.*UPDATE rows/);
    expect(steps[0]!.sql).toContain('ALTER TYPE mood RENAME TO mood_driftbot_old;');
    expect(steps[0]!.sql).toContain('ALTER TABLE t ALTER COLUMN m TYPE mood USING m::text::mood;');
    expect(steps[0]!.sql).toContain('ALTER TABLE t ALTER COLUMN ms TYPE mood[] USING ms::text[]::mood[];');
    expect(steps[0]!.sql).toContain("ALTER TABLE t ALTER COLUMN m SET DEFAULT 'ok'::mood;");
  });

  it('the same values in another order are a disabled rebuild too', () => {
    const steps = plan(schema({ enums: [mood('a', 'b')] }), schema({ enums: [mood('b', 'a')] }));
    expect(steps.map((s) => [s.disabled, s.comments[0]])).toEqual([[true, expect.stringContaining('another order')]]);
  });
});

describe('sequences', () => {
  const seq = { schema: 'public', name: 'tickets', dataType: 'bigint', start: '100', increment: '5', min: '1', max: '9223372036854775807', cycle: false, ownedBy: null };
  it('a missing one is created if not exists, with its options', () => {
    expect(sqlOf(plan(schema({ sequences: [seq] }), schema()))).toEqual([
      'CREATE SEQUENCE IF NOT EXISTS tickets AS bigint INCREMENT BY 5 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 100 NO CYCLE',
    ]);
  });
  it('other options are aligned', () => {
    expect(sqlOf(plan(schema({ sequences: [seq] }), schema({ sequences: [{ ...seq, increment: '1' }] })))).toEqual([
      'ALTER SEQUENCE tickets AS bigint INCREMENT BY 5 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 100 NO CYCLE',
    ]);
  });
});

describe('tables', () => {
  it('a missing table is created if not exists, columns only; its constraints follow as their own steps', () => {
    const target = schema({
      tables: [table('Order', [column('id', 'integer', { notNull: true }), column('note', 'text', { default: "'x'::text" })])],
      constraints: [constraint('Order', 'Order_pkey', 'primary key', 'PRIMARY KEY (id)')],
    });
    const steps = plan(target, schema());
    expect(steps[0]!.sql).toBe(`CREATE TABLE IF NOT EXISTS "Order" (\n    id integer NOT NULL,\n    note text DEFAULT 'x'::text\n)`);
    expect(steps[1]!.sql).toContain(`ALTER TABLE "Order" ADD CONSTRAINT "Order_pkey" PRIMARY KEY (id);`);
    expect(steps).toHaveLength(2);
  });

  it('a table only old databases have is dropped only by hand', () => {
    const steps = plan(schema(), schema({ tables: [table('gone', [column('id', 'integer')])], constraints: [constraint('gone', 'gone_pkey', 'primary key', 'PRIMARY KEY (id)')] }));
    expect(steps).toEqual([{ sql: 'DROP TABLE IF EXISTS gone', disabled: true, entryKey: 'table:public.gone', comments: [expect.stringMatching(/may hold data.*then enable/)] }]);
  });

  it('a missing partitioned table cannot be created without its key: it and every step on it are disabled', () => {
    const target = schema({
      tables: [table('events', [column('at', 'date', { notNull: true })], { partitioned: true })],
      constraints: [constraint('events', 'events_pkey', 'primary key', 'PRIMARY KEY (at)')],
    });
    const steps = plan(target, schema());
    expect(steps.map((s) => [s.entryKey, s.disabled])).toEqual([
      ['table:public.events', true],
      ['constraint:public.events.events_pkey', true],
    ]);
  });
});

describe('columns', () => {
  const withColumns = (...columns: ReturnType<typeof column>[]) => schema({ tables: [table('t', columns)] });

  it('a missing column is added if not exists, NOT NULL with it only when a default fills old rows', () => {
    const steps = plan(withColumns(column('a', 'jsonb'), column('b', 'integer', { notNull: true, default: '0' }), column('c', 'text', { notNull: true })), withColumns());
    expect(sqlOf(steps)).toEqual([
      'ALTER TABLE t ADD COLUMN IF NOT EXISTS a jsonb',
      'ALTER TABLE t ADD COLUMN IF NOT EXISTS b integer DEFAULT 0 NOT NULL',
      'ALTER TABLE t ADD COLUMN IF NOT EXISTS c text',
      'ALTER TABLE t ALTER COLUMN c SET NOT NULL',
    ]);
    expect(steps[3]!.comments[0]).toMatch(/fails while rows hold NULL/);
  });

  it('defaults and nullability are set or dropped', () => {
    const steps = plan(
      withColumns(column('a', 'text', { default: "'x'::text" }), column('b', 'text'), column('c', 'text', { notNull: true }), column('d', 'text')),
      withColumns(column('a', 'text'), column('b', 'text', { default: "'y'::text" }), column('c', 'text'), column('d', 'text', { notNull: true })),
    );
    expect(sqlOf(steps)).toEqual([
      "ALTER TABLE t ALTER COLUMN a SET DEFAULT 'x'::text",
      'ALTER TABLE t ALTER COLUMN b DROP DEFAULT',
      'ALTER TABLE t ALTER COLUMN c SET NOT NULL',
      'ALTER TABLE t ALTER COLUMN d DROP NOT NULL',
    ]);
  });

  it('a column only old databases have is dropped only by hand', () => {
    const [step] = plan(withColumns(), withColumns(column('legacy', 'text')));
    expect(step).toMatchObject({ sql: 'ALTER TABLE t DROP COLUMN IF EXISTS legacy', disabled: true, entryKey: 'column:public.t.legacy' });
  });

  it('the seed case: jsonb status becomes varchar where it is still jsonb, unwrapping JSON strings', () => {
    const [step] = plan(withColumns(column('status', 'character varying')), withColumns(column('status', 'jsonb')));
    expect(step!.disabled).toBe(false);
    expect(step!.sql).toBe(
      [
        'DO $$',
        'BEGIN',
        "  IF (SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'status' AND NOT attisdropped) = 'jsonb' THEN",
        "    ALTER TABLE t ALTER COLUMN status TYPE character varying USING status #>> '{}';",
        '  END IF;',
        'END $$',
      ].join('\n'),
    );
  });

  it('a default of the old type is dropped before the conversion and the target default set after', () => {
    const [step] = plan(withColumns(column('n', 'bigint', { default: '1' })), withColumns(column('n', 'integer', { default: '1' })));
    expect(step!.sql).toContain(
      'ALTER TABLE t ALTER COLUMN n DROP DEFAULT;\n    ALTER TABLE t ALTER COLUMN n TYPE bigint USING n::bigint;\n    ALTER TABLE t ALTER COLUMN n SET DEFAULT 1;',
    );
  });

  it('narrowing conversions are written disabled, with what to check', () => {
    const [step] = plan(withColumns(column('code', 'character varying(20)')), withColumns(column('code', 'character varying(50)')));
    expect(step).toMatchObject({ disabled: true });
    expect(step!.comments[0]).toContain('SELECT count(*) FROM t WHERE length(code) > 20');
    expect(step!.sql).toContain('USING code::character varying(20)');
  });

  it('different old types get a branch each, safe ones enabled and the rest disabled', () => {
    const target = withColumns(column('v', 'bigint'));
    const steps = planFix(target, [target, withColumns(column('v', 'integer')), withColumns(column('v', 'text'))]);
    expect(steps.map((s) => s.disabled)).toEqual([false, true]);
    expect(steps[0]!.sql).toContain("= 'integer' THEN");
    expect(steps[0]!.sql).not.toContain("'text'");
    expect(steps[1]!.sql).toContain("= 'text' THEN");
  });

  it('a missing identity is added, the counter moved past the highest value; a changed kind is switched', () => {
    const [step] = plan(
      withColumns(column('id', 'bigint', { notNull: true, identity: 'always' })),
      withColumns(column('id', 'bigint', { notNull: true, default: "nextval('t_id_seq'::regclass)" })),
    );
    expect(step!.disabled).toBe(false);
    expect(step!.sql).toContain('ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;');
    expect(step!.sql).toContain("EXECUTE format('ALTER TABLE %s ALTER COLUMN %I RESTART WITH %s', 't', 'id', (SELECT greatest(coalesce(max(id), 0) + 1, 1) FROM t));");
    expect(step!.sql).toContain("ELSIF (SELECT attidentity FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'id' AND NOT attisdropped) <> 'a' THEN");
  });

  it('an identity fresh installs do not have is dropped; a serial sequence then takes over past the highest value', () => {
    const serial = column('id', 'integer', { notNull: true, default: "nextval('t_id_seq'::regclass)" });
    const steps = plan(withColumns(serial), withColumns(column('id', 'integer', { notNull: true, identity: 'by default' })));
    expect(steps.map((s) => s.sql)).toEqual([
      expect.stringContaining("PERFORM setval('t_id_seq', (SELECT greatest(coalesce(max(id), 0) + 1, 1) FROM t), false);"),
      "ALTER TABLE t ALTER COLUMN id SET DEFAULT nextval('t_id_seq'::regclass)",
    ]);
  });

  it('a generated column becoming plain keeps its values; a plain one becoming generated is disabled', () => {
    expect(sqlOf(plan(withColumns(column('g', 'integer')), withColumns(column('g', 'integer', { generated: '(1 + 1)' }))))).toEqual([
      'ALTER TABLE t ALTER COLUMN g DROP EXPRESSION IF EXISTS',
    ]);
    const [step] = plan(withColumns(column('g', 'integer', { generated: '(1 + 1)' })), withColumns(column('g', 'integer')));
    expect(step).toMatchObject({ disabled: true });
    expect(step!.comments[0]).toMatch(/replaces its stored values/);
  });
});

describe('constraints', () => {
  const withConstraint = (...constraints: ReturnType<typeof constraint>[]) => schema({ tables: [table('t', [column('a', 'integer'), column('b', 'integer')])], constraints });

  it('a missing one is added inside a guard on pg_constraint, by name and table', () => {
    const [step] = plan(withConstraint(constraint('t', 'uq', 'unique', 'UNIQUE (a)')), withConstraint());
    expect(step!.sql).toBe(
      [
        'DO $$',
        'BEGIN',
        "  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 't'::regclass AND conname = 'uq') THEN",
        '    ALTER TABLE t ADD CONSTRAINT uq UNIQUE (a);',
        '  END IF;',
        'END $$',
      ].join('\n'),
    );
  });

  it('one changed in place is dropped only where pg_get_constraintdef differs, then added where missing', () => {
    const [drop, add, ...rest] = plan(withConstraint(constraint('t', 'uq', 'unique', 'UNIQUE (a, b)')), withConstraint(constraint('t', 'uq', 'unique', 'UNIQUE (a)')));
    expect(rest).toEqual([]);
    expect(drop!.sql).toBe(
      [
        'DO $$',
        'BEGIN',
        "  IF (SELECT pg_get_constraintdef(oid, true) FROM pg_constraint WHERE conrelid = 't'::regclass AND conname = 'uq') IS DISTINCT FROM 'UNIQUE (a, b)' THEN",
        '    ALTER TABLE t DROP CONSTRAINT IF EXISTS uq;',
        '  END IF;',
        'END $$',
      ].join('\n'),
    );
    expect(drop!.comments.join(' ')).toMatch(/changed in place.*foreign key refers to it/);
    expect(add!.sql).toContain(
      "IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 't'::regclass AND conname = 'uq') THEN\n    ALTER TABLE t ADD CONSTRAINT uq UNIQUE (a, b);",
    );
  });

  it('one only old databases have is dropped if exists, enabled, foreign keys first, before new constraints', () => {
    const steps = plan(
      withConstraint(constraint('t', 't_pkey', 'primary key', 'PRIMARY KEY (a)')),
      withConstraint(constraint('t', 'old_pkey', 'primary key', 'PRIMARY KEY (b)'), constraint('t', 'old_fk', 'foreign key', 'FOREIGN KEY (a) REFERENCES t(b)')),
    );
    expect(steps.map((s) => [s.disabled, s.sql.split('\n')[0]])).toEqual([
      [false, 'ALTER TABLE t DROP CONSTRAINT IF EXISTS old_fk'],
      [false, 'ALTER TABLE t DROP CONSTRAINT IF EXISTS old_pkey'],
      [false, 'DO $$'],
    ]);
  });

  it('primary keys, uniques and checks come before foreign keys, whatever the input order', () => {
    const target = withConstraint(constraint('t', 'fk', 'foreign key', 'FOREIGN KEY (b) REFERENCES t(a)'), constraint('t', 'uq', 'unique', 'UNIQUE (a)'));
    expect(plan(target, withConstraint()).map((s) => s.entryKey)).toEqual(['constraint:public.t.uq', 'constraint:public.t.fk', 'constraint:public.t.fk']);
  });

  it('foreign keys and checks are added NOT VALID, then validated in a step of their own; others are added as they are', () => {
    const target = withConstraint(
      constraint('t', 'fk', 'foreign key', 'FOREIGN KEY (b) REFERENCES t(a)'),
      constraint('t', 'ck', 'check', 'CHECK (a > 0)'),
      constraint('t', 'ck_nv', 'check', 'CHECK (b > 0) NOT VALID'),
      constraint('t', 'uq', 'unique', 'UNIQUE (a)'),
    );
    const sql = plan(target, withConstraint()).map((s) => s.sql);
    expect(sql.filter((q) => q.includes('FOREIGN KEY (b) REFERENCES t(a) NOT VALID;'))).toHaveLength(1);
    expect(sql.filter((q) => q.includes('CHECK (a > 0) NOT VALID;'))).toHaveLength(1);
    expect(sql.filter((q) => q.includes('UNIQUE (a);'))).toHaveLength(1);
    expect(sql.filter((q) => q.includes('NOT VALID NOT VALID'))).toEqual([]);
    expect(sql.filter((q) => q.startsWith('ALTER TABLE t VALIDATE CONSTRAINT'))).toEqual(['ALTER TABLE t VALIDATE CONSTRAINT ck', 'ALTER TABLE t VALIDATE CONSTRAINT fk']);
  });
});

describe('indexes', () => {
  const withIndex = (...indexes: ReturnType<typeof index>[]) => schema({ tables: [table('t', [column('a', 'integer')])], indexes });
  const partial = index('t', 'ix', 'CREATE INDEX ix ON public.t USING btree (a) WHERE (a > 0)');

  it('on a partitioned table, where Postgres allows no CONCURRENTLY, a plain one', () => {
    const partitioned = (indexes: ReturnType<typeof index>[]) => schema({ tables: [{ ...table('p', [column('a', 'integer')]), partitioned: true }], indexes });
    expect(sqlOf(plan(partitioned([index('p', 'px', 'CREATE INDEX px ON public.p USING btree (a)')]), partitioned([])))).toEqual([
      'CREATE INDEX IF NOT EXISTS px ON public.p USING btree (a)',
    ]);
  });

  it('a missing one is created CONCURRENTLY if not exists (writes go on meanwhile)', () => {
    expect(sqlOf(plan(withIndex(partial, index('t', 'ux', 'CREATE UNIQUE INDEX ux ON public.t USING btree (a)')), withIndex()))).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON public.t USING btree (a) WHERE (a > 0)',
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ux ON public.t USING btree (a)',
    ]);
  });

  it('a changed one is dropped where its definition differs, then created CONCURRENTLY if not exists', () => {
    const [drop, create, ...rest] = plan(withIndex(partial), withIndex(index('t', 'ix', 'CREATE INDEX ix ON public.t USING btree (a)')));
    expect(rest).toEqual([]);
    expect(drop!.sql).toBe(
      [
        'DO $$',
        'BEGIN',
        "  IF pg_get_indexdef(to_regclass('ix')) IS DISTINCT FROM 'CREATE INDEX ix ON public.t USING btree (a) WHERE (a > 0)' THEN",
        '    DROP INDEX IF EXISTS ix;',
        '  END IF;',
        'END $$',
      ].join('\n'),
    );
    expect(create!.sql).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON public.t USING btree (a) WHERE (a > 0)');
  });

  it('one only old databases have is dropped if exists', () => {
    expect(plan(withIndex(), withIndex(partial))).toEqual([expect.objectContaining({ sql: 'DROP INDEX IF EXISTS ix', disabled: false })]);
  });
});

describe('functions, views and triggers', () => {
  const fn = (body: string) => ({
    schema: 'public',
    name: 'f',
    identityArguments: 'x integer',
    statement: `CREATE OR REPLACE FUNCTION public.f(x integer)\n RETURNS integer\n LANGUAGE sql\nAS $function$${body}$function$\n`,
  });
  const base = { tables: [table('t', [column('a', 'integer')])] };

  it('a function is created or replaced from its own definition; one only old databases have is disabled', () => {
    expect(sqlOf(plan(schema({ functions: [fn('select 2')] }), schema({ functions: [fn('select 1')] })))).toEqual([fn('select 2').statement.trim()]);
    expect(plan(schema(), schema({ functions: [fn('select 1')] }))).toEqual([expect.objectContaining({ sql: 'DROP ROUTINE IF EXISTS f(x integer)', disabled: true })]);
  });

  it('a view is replaced in place, or rebuilt when OR REPLACE refuses its columns', () => {
    const [step] = plan(schema({ ...base, views: [{ schema: 'public', name: 'v', materialized: false, query: ' SELECT a\n   FROM t;' }] }), schema(base));
    expect(step!.sql).toContain("IS DISTINCT FROM 'SELECT a FROM t;' THEN");
    expect(step!.sql).toContain(
      'CREATE OR REPLACE VIEW v AS SELECT a\n   FROM t;\n    EXCEPTION WHEN invalid_table_definition THEN\n      DROP VIEW v;\n      CREATE VIEW v AS SELECT a',
    );
  });

  it('views are created after the views they read', () => {
    const views = [
      { schema: 'public', name: 'outer_v', materialized: false, query: ' SELECT a FROM inner_v;' },
      { schema: 'public', name: 'inner_v', materialized: true, query: ' SELECT a FROM t;' },
    ];
    const steps = plan(schema({ ...base, views, indexes: [index('inner_v', 'iv', 'CREATE INDEX iv ON public.inner_v USING btree (a)')] }), schema(base));
    expect(steps.map((s) => s.entryKey)).toEqual(['view:public.inner_v', 'view:public.outer_v', 'index:public.inner_v.iv']);
  });

  it('a trigger is dropped and created again where its definition differs; one only old databases have is dropped', () => {
    const trigger = { schema: 'public', table: 't', name: 'tr', statement: 'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()' };
    const [step] = plan(schema({ ...base, triggers: [trigger] }), schema(base));
    expect(step!.sql).toContain('DROP TRIGGER IF EXISTS tr ON t;\n    CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();');
    expect(sqlOf(plan(schema(base), schema({ ...base, triggers: [trigger] })))).toEqual(['DROP TRIGGER IF EXISTS tr ON t']);
  });
});

describe('order and safety', () => {
  it('follows dependencies: schema, enum, table, column, type change, default, nullability, constraint, foreign key, index, view; removals last', () => {
    const target = schema({
      schemas: ['public', 'app'],
      enums: [{ schema: 'app', name: 'kind', values: ['a'] }],
      tables: [
        table('t', [column('id', 'integer', { notNull: true }), column('k', 'app.kind', { default: "'a'::app.kind" }), column('n', 'bigint')]),
        table('child', [column('t_id', 'integer')]),
      ],
      constraints: [constraint('child', 'child_fk', 'foreign key', 'FOREIGN KEY (t_id) REFERENCES t(id)'), constraint('t', 't_pkey', 'primary key', 'PRIMARY KEY (id)')],
      indexes: [index('t', 'ix', 'CREATE INDEX ix ON public.t USING btree (n)')],
      views: [{ schema: 'public', name: 'v', materialized: false, query: ' SELECT id FROM t;' }],
    });
    const old = schema({ tables: [table('t', [column('id', 'integer'), column('n', 'integer'), column('legacy', 'text')])] });
    const keys = plan(target, old).map((s) => s.entryKey);
    expect(keys).toEqual([
      'schema:app',
      'enum:app.kind',
      'table:public.child',
      'column:public.t.k',
      'column:public.t.n',
      'column:public.t.id',
      'constraint:public.t.t_pkey',
      'constraint:public.child.child_fk',
      'constraint:public.child.child_fk',
      'index:public.t.ix',
      'view:public.v',
      'column:public.t.legacy',
    ]);
  });

  it('keeps hostile names identifiers and hostile values literals', () => {
    const name = 'x"; DROP TABLE victim; --';
    const steps = plan(schema({ tables: [table(name, [column("it's", 'text', { default: "'a''b'::text" })])] }), schema({ tables: [table(name, [])] }));
    expect(sqlOf(steps)).toEqual([`ALTER TABLE "x""; DROP TABLE victim; --" ADD COLUMN IF NOT EXISTS "it's" text DEFAULT 'a''b'::text`]);
    const [enumStep] = plan(schema({ enums: [{ schema: 'public', name: 'e', values: ["x'); DROP TABLE victim; --", 'back\\slash'] }] }), schema());
    expect(enumStep!.sql).toContain(`CREATE TYPE e AS ENUM ('x''); DROP TABLE victim; --', E'back\\\\slash');`);
  });

  it('every disabled step says why', () => {
    const steps = plan(schema(), schema({ tables: [table('gone', [])], enums: [{ schema: 'public', name: 'e', values: [] }] }));
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) expect(step.disabled && step.comments[0]!.length > 20).toBe(true);
  });
});
