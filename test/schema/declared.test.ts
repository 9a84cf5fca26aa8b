/** What models declare, and how an install built otherwise matches it (schema/declared.ts). */
import { describe, expect, it } from 'vitest';
import { unmatchedDeclarations } from '../../src/schema/declared.js';
import { column, constraint, index, schema, table } from '../fix/build-schema.js';

const install = schema({
  tables: [
    table('t', [
      column('id', 'integer', { notNull: true, default: "nextval('t_id_seq'::regclass)" }),
      column('email', 'character varying(200)', { notNull: true }),
      column('created_at', 'timestamp with time zone', { notNull: true, default: 'now()' }),
    ]),
  ],
  constraints: [constraint('t', 'pk_t', 'primary key', 'PRIMARY KEY (id)')],
  indexes: [
    index('t', 'ix_t_email_unique', 'CREATE UNIQUE INDEX ix_t_email_unique ON public.t USING btree (email)'),
    index('t', 'ix_t_created', 'CREATE INDEX ix_t_created ON public.t USING btree (created_at)'),
  ],
});

describe('unmatchedDeclarations', () => {
  it('a model silent on a default, a name or a type’s length accepts the install’s choice; serial is not a declared default', () => {
    const models = schema({
      tables: [
        table('t', [
          column('id', 'integer', { notNull: true, default: "nextval('t_id_seq1'::regclass)" }),
          column('email', 'character varying', { notNull: true }),
          column('created_at', 'timestamp with time zone', { notNull: true }),
        ]),
      ],
      constraints: [constraint('t', 't_pkey', 'primary key', 'PRIMARY KEY (id)'), constraint('t', 't_email_key', 'unique', 'UNIQUE (email)')],
    });
    expect([...unmatchedDeclarations(models, install)]).toEqual([]);
  });

  it('a declared default, another definition under the same name, a partial unique index where a constraint is declared: each unmatched', () => {
    const models = schema({
      tables: [table('t', [column('created_at', 'timestamp with time zone', { notNull: true, default: 'CURRENT_TIMESTAMP' })])],
      indexes: [index('t', 'ix_t_created', 'CREATE INDEX ix_t_created ON public.t USING brin (created_at)')],
    });
    expect([...unmatchedDeclarations(models, install)]).toEqual(['column:public.t.created_at', 'index:public.t.ix_t_created']);
    const partial = schema({ ...install, indexes: [index('t', 'ix_live', 'CREATE UNIQUE INDEX ix_live ON public.t USING btree (email) WHERE (id > 0)')] });
    const unique = schema({ tables: [table('t', [])], constraints: [constraint('t', 't_email_key', 'unique', 'UNIQUE (email)')] });
    expect([...unmatchedDeclarations(unique, partial)]).toEqual(['constraint:public.t.t_email_key']);
  });
});
