/** Introspection of real databases into canonical entries. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaEntries } from '../../src/schema/entries.js';
import { schemaDump } from '../../src/schema/dump.js';
import type { Schema } from '../../src/schema/schema.js';
import type { ScratchDatabase } from '../support/postgres.js';
import { databaseFrom, schemaOf } from '../support/schemas.js';

const EVERYTHING = `
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE SCHEMA audit;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE audit.kind AS ENUM ('insert', 'delete');
CREATE SEQUENCE ticket_numbers START 100 INCREMENT 5;
CREATE TABLE accounts (
  id bigserial PRIMARY KEY,
  email varchar(200) NOT NULL,
  handle text COLLATE "C",
  mood mood DEFAULT 'ok',
  n integer GENERATED ALWAYS AS IDENTITY,
  doubled integer GENERATED ALWAYS AS (n * 2) STORED,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT email_has_at CHECK (email LIKE '%@%'),
  CONSTRAINT uq_email UNIQUE (email)
);
CREATE TABLE audit.events (id int PRIMARY KEY, account_id bigint REFERENCES accounts(id) ON DELETE CASCADE, kind audit.kind, during tstzrange,
  EXCLUDE USING gist (during WITH &&));
CREATE INDEX ix_live ON accounts (email) WHERE created_at IS NOT NULL;
CREATE INDEX ix_lower ON accounts (lower(email));
CREATE INDEX ix_trgm ON accounts USING gin (handle gin_trgm_ops);
CREATE VIEW happy_accounts AS SELECT id, email FROM accounts WHERE mood = 'happy';
CREATE MATERIALIZED VIEW audit.counts AS SELECT kind, count(*) FROM audit.events GROUP BY kind;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.created_at := now(); RETURN NEW; END $$;
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
`;

describe('introspect', () => {
  let database: ScratchDatabase;
  let schema: Schema;

  beforeAll(async () => {
    database = await databaseFrom('everything', EVERYTHING);
    schema = await schemaOf(database);
  });
  afterAll(() => database.drop());

  it('reads every kind of object, in every schema', () => {
    const entries = schemaEntries(schema);
    const get = (key: string) => entries.get(key)?.definition;
    expect(schema.schemas).toEqual(['audit', 'public']);
    expect(get('extension:pg_trgm')).toBe('extension in public');
    expect(get('enum:public.mood')).toBe("enum ('sad', 'ok', 'happy')");
    expect(entries.get('enum:audit.kind')).toMatchObject({ name: 'audit.kind', definition: "enum ('insert', 'delete')" });
    expect(get('sequence:public.ticket_numbers')).toBe('bigint start 100 increment 5 min 1 max 9223372036854775807');
    expect(entries.get('sequence:public.accounts_id_seq')).toMatchObject({ table: 'accounts', definition: expect.stringContaining('owned by accounts.id') });
    expect(get('column:public.accounts.id')).toBe("bigint not null default nextval('accounts_id_seq'::regclass)");
    expect(get('column:public.accounts.email')).toBe('character varying(200) not null');
    expect(get('column:public.accounts.handle')).toBe('text collate "C"');
    expect(get('column:public.accounts.mood')).toBe("mood default 'ok'::mood");
    expect(get('column:public.accounts.n')).toBe('integer not null generated always as identity');
    expect(get('column:public.accounts.doubled')).toBe('integer generated always as ((n * 2)) stored');
    expect(get('column:public.accounts.created_at')).toBe('timestamp with time zone not null default now()');
    expect(get('constraint:public.accounts.email_has_at')).toBe("CHECK (email::text ~~ '%@%'::text)");
    expect(get('constraint:public.accounts.uq_email')).toBe('UNIQUE (email)');
    expect(get('constraint:audit.events.events_account_id_fkey')).toBe('FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE');
    expect(entries.get('constraint:audit.events.events_during_excl')).toMatchObject({ table: 'audit.events', definition: 'EXCLUDE USING gist (during WITH &&)' });
    expect(get('index:public.ix_live')).toBe('using btree (email) WHERE (created_at IS NOT NULL)');
    expect(get('index:public.ix_lower')).toBe('using btree (lower((email)::text))');
    expect(get('index:public.ix_trgm')).toBe('using gin (handle gin_trgm_ops)');
    expect(get('view:public.happy_accounts')).toMatch(/^view: SELECT (accounts\.)?id, (accounts\.)?email FROM accounts WHERE (accounts\.)?mood = 'happy'::mood;?$/);
    expect(get('view:audit.counts')).toMatch(/^materialized view: SELECT (events\.)?kind, count\(\*\) AS count FROM audit.events GROUP BY (events\.)?kind;?$/);
    expect(get('function:public.touch()')).toMatch(/CREATE OR REPLACE FUNCTION public.touch\(\)/);
    expect(get('trigger:public.accounts.accounts_touch')).toBe('BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch()');
  });

  it('leaves out what belongs to an extension, and indexes that back constraints', () => {
    expect(schema.functions.map((f) => f.name)).toEqual(['touch']);
    expect(schema.indexes.map((i) => i.name).sort()).toEqual(['ix_live', 'ix_lower', 'ix_trgm']);
    expect(schema.enums.map((e) => e.name).sort()).toEqual(['kind', 'mood']);
  });

  it('gives equal entries for equal schemas built in another order', async () => {
    // Indexes, the view and the sequence created in another order; columns the same.
    const statements = EVERYTHING.trim().split(/;\n/).filter(Boolean);
    const index = (name: string) => statements.findIndex((s) => s.includes(name));
    const order = [...statements.keys()];
    const swap = (a: number, b: number) => ([order[a], order[b]] = [order[b]!, order[a]!]);
    swap(index('ix_live'), index('ix_trgm'));
    const late = order.splice(index('ticket_numbers'), 1);
    order.push(...late);
    const reordered = await databaseFrom('reordered', order.map((i) => statements[i]).join(';\n'));
    try {
      expect([...schemaEntries(await schemaOf(reordered)).values()]).toEqual([...schemaEntries(schema).values()]);
    } finally {
      await reordered.drop();
    }
  });

  it('dumps deterministically, columns by name', () => {
    const dump = schemaDump(schema);
    expect(dump).toBe(schemaDump(schema));
    expect(dump).toContain('TABLE accounts\n  created_at timestamp with time zone not null default now()\n  doubled');
    expect(dump).toContain('TABLE audit.events');
  });
});
