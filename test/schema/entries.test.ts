/** Entries of real databases: equal schemas give equal entries, and a change shows as exactly its entries. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaEntries } from '../../src/schema/entries.js';
import type { SchemaEntry } from '../../src/schema/schema.js';
import type { ScratchDatabase } from '../support/postgres.js';
import { buildDatabase, EVERYTHING, EVERYTHING_ANOTHER_WAY, readSchema } from './fixtures.js';

/** Entries by key, in key order: column position is not part of the comparison. */
function byKey(entries: Map<string, SchemaEntry>): SchemaEntry[] {
  return [...entries.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

function changedKeys(a: Map<string, SchemaEntry>, b: Map<string, SchemaEntry>): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((key) => a.get(key)?.definition !== b.get(key)?.definition).sort();
}

/** The fixture with `from` replaced by `to`, failing loudly if the fixture no longer has `from`. */
function edited(sql: string, from: string, to: string): string {
  expect(sql).toContain(from);
  return sql.replace(from, to);
}

describe('schema entries of real databases', () => {
  let plain: ScratchDatabase;
  let entries: Map<string, SchemaEntry>;

  beforeAll(async () => {
    plain = await buildDatabase('entries', EVERYTHING);
    entries = schemaEntries(await readSchema(plain));
  });
  afterAll(() => plain?.drop());

  it('are identical for the same schema reached by other DDL in another order', async () => {
    const other = await buildDatabase('anotherway', EVERYTHING_ANOTHER_WAY);
    try {
      const otherEntries = schemaEntries(await readSchema(other));
      expect(byKey(otherEntries)).toEqual(byKey(entries));
      // Column order really does differ there: the comparison does not depend on it.
      const columns = (map: Map<string, SchemaEntry>) => [...map.values()].filter((e) => e.kind === 'column' && e.table === 'accounts').map((e) => e.name);
      expect(columns(otherEntries)).not.toEqual(columns(entries));
    } finally {
      await other.drop();
    }
  });

  it('differ in exactly the entries of a type change, an added enum value and a changed index predicate', async () => {
    let sql = edited(EVERYTHING, 'nickname varchar(20),', 'nickname varchar(40),');
    sql = edited(sql, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');", "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'ecstatic');");
    sql = edited(sql, 'ON accounts (email) WHERE deleted_at IS NULL;', "ON accounts (email) WHERE deleted_at IS NULL AND email <> '';");
    const changed = await buildDatabase('changed', sql);
    try {
      const changedEntries = schemaEntries(await readSchema(changed));
      expect(changedKeys(entries, changedEntries)).toEqual(['column:public.accounts.nickname', 'enum:public.mood', 'index:public.accounts.ix_live']);
      expect(changedEntries.get('column:public.accounts.nickname')?.definition).toBe('character varying(40)');
      expect(changedEntries.get('enum:public.mood')?.definition).toBe("enum ('sad', 'ok', 'happy', 'ecstatic')");
      expect(changedEntries.get('index:public.accounts.ix_live')?.definition).toBe("using btree (email) WHERE ((deleted_at IS NULL) AND ((email)::text <> ''::text))");
    } finally {
      await changed.drop();
    }
  });

  it('show an object on one side only as an entry missing on the other', async () => {
    const sql = edited(EVERYTHING, 'CREATE INDEX ix_lower ON accounts (lower(email));\n', '');
    const without = await buildDatabase('without', sql);
    try {
      const withoutEntries = schemaEntries(await readSchema(without));
      expect(changedKeys(entries, withoutEntries)).toEqual(['index:public.accounts.ix_lower']);
      expect(withoutEntries.has('index:public.accounts.ix_lower')).toBe(false);
    } finally {
      await without.drop();
    }
  });
});
