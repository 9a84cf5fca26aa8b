/** What the fix aims at: fresh, with what the models declare laid over it. */
import { describe, expect, it } from 'vitest';
import { targetSchema } from '../../src/fix/target.js';
import { column, constraint, index, schema, table } from './build-schema.js';

describe('targetSchema', () => {
  const fresh = schema({
    tables: [table('t', [column('id', 'integer', { notNull: true }), column('name', 'character varying(20)', { default: "'x'::character varying" }), column('note', 'text')])],
    indexes: [index('t', 'ix_note', 'CREATE INDEX ix_note ON public.t USING btree (note)')],
    triggers: [{ schema: 'public', table: 't', name: 'tr', statement: 'CREATE TRIGGER tr …' }],
  });

  it('is fresh when there are no models', () => {
    expect(targetSchema(fresh, null)).toBe(fresh);
  });

  it('takes a modelled column’s type, nullability and declared server default from the models; fresh’s default where the model declares none', () => {
    const models = schema({
      tables: [table('t', [column('id', 'bigint', { notNull: true }), column('name', 'text', { notNull: true, default: "'y'::text" }), column('note', 'text')])],
    });
    const [t] = targetSchema(fresh, models).tables;
    expect(t!.columns).toEqual([column('id', 'bigint', { notNull: true }), column('name', 'text', { notNull: true, default: "'y'::text" }), column('note', 'text')]);
    const silent = schema({ tables: [table('t', [column('name', 'character varying(20)')])] });
    expect(targetSchema(fresh, silent).tables[0]!.columns[1]!.default).toBe("'x'::character varying");
  });

  it('keeps the migrations’ type parameters where the model leaves them out', () => {
    const models = schema({ tables: [table('t', [column('name', 'character varying')])] });
    expect(targetSchema(fresh, models).tables[0]!.columns[1]!.type).toBe('character varying(20)');
  });

  it('adds a column only the models declare, with the models’ default', () => {
    const models = schema({ tables: [table('t', [column('extra', 'jsonb', { default: "'{}'::jsonb" })])] });
    expect(targetSchema(fresh, models).tables[0]!.columns.map((c) => [c.name, c.default])).toEqual([
      ['id', null],
      ['name', "'x'::character varying"],
      ['note', null],
      ['extra', "'{}'::jsonb"],
    ]);
  });

  it('adds a table only the models declare, whole: constraints, indexes, its enum, schema and serial sequence', () => {
    const models = schema({
      schemas: ['public', 'audit'],
      enums: [
        { schema: 'audit', name: 'kind', values: ['a', 'b'] },
        { schema: 'public', name: 'unused', values: ['x'] },
      ],
      sequences: [{ schema: 'audit', name: 'log_id_seq', dataType: 'integer', start: '1', increment: '1', min: '1', max: '2147483647', cycle: false, ownedBy: 'audit.log.id' }],
      tables: [table('log', [column('id', 'integer', { notNull: true, default: "nextval('audit.log_id_seq'::regclass)" }), column('kind', 'audit.kind')], { schema: 'audit' })],
      constraints: [{ schema: 'audit', table: 'log', name: 'log_pkey', type: 'primary key', definition: 'PRIMARY KEY (id)' }],
      indexes: [{ schema: 'audit', table: 'log', name: 'ix_kind', unique: false, method: 'btree', statement: 'CREATE INDEX ix_kind ON audit.log USING btree (kind)' }],
    });
    const target = targetSchema(fresh, models);
    expect(target.schemas).toEqual(['public', 'audit']);
    expect(target.tables.map((t) => `${t.schema}.${t.name}`)).toEqual(['public.t', 'audit.log']);
    // An enum type the models declare is made, used or not (create_all makes one bound to the metadata).
    expect(target.enums.map((e) => e.name)).toEqual(['kind', 'unused']);
    expect(target.sequences.map((s) => s.name)).toEqual(['log_id_seq']);
    expect(target.constraints.map((c) => c.name)).toEqual(['log_pkey']);
    expect(target.indexes.map((i) => i.name)).toEqual(['ix_note', 'ix_kind']);
  });

  it('never removes what the models do not mention', () => {
    const models = schema({ tables: [table('t', [column('id', 'integer', { notNull: true })])], constraints: [constraint('t', 'other', 'unique', 'UNIQUE (id)')] });
    const target = targetSchema(fresh, models);
    expect(target.tables[0]!.columns.map((c) => c.name)).toEqual(['id', 'name', 'note']);
    expect(target.indexes).toEqual(fresh.indexes);
    expect(target.triggers).toEqual(fresh.triggers);
    // A constraint the models declare and fresh lacks is added (the models leg reports it).
    expect(target.constraints).toEqual(models.constraints);
  });

  it('keeps fresh’s constraint or index where the models declare the same one under a name Postgres or a convention chose', () => {
    const withUnique = schema({ ...fresh, constraints: [constraint('t', 'uq_t_name', 'unique', 'UNIQUE (name)')] });
    const models = schema({
      tables: [table('t', [column('name', 'character varying(20)')])],
      constraints: [constraint('t', 't_name_key', 'unique', 'UNIQUE (name)')],
      indexes: [index('t', 'ix_t_note', 'CREATE INDEX ix_t_note ON public.t USING btree (note)')],
    });
    const target = targetSchema(withUnique, models);
    expect(target.constraints.map((c) => c.name)).toEqual(['uq_t_name']);
    expect(target.indexes.map((i) => i.name)).toEqual(['ix_note']);
  });
});
