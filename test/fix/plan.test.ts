/**
 * The fix on real databases: plan from two states, run the enabled steps on both
 * (twice, to prove idempotence), and read them back: they must match, except for
 * exactly what the disabled steps deliberately leave alone.
 */
import { describe, expect, it } from 'vitest';
import { planFix } from '../../src/fix/plan.js';
import { schemaEntries } from '../../src/schema/entries.js';
import type { FixStep } from '../../src/analysis/report.js';
import { databaseFrom, schemaOf } from '../support/schemas.js';

async function reconcile(freshSql: string, oldSql: string, data = ''): Promise<{ steps: FixStep[]; leftOver: string[]; old: Record<string, unknown>[][] }> {
  const fresh = await databaseFrom('fixfresh', freshSql);
  const old = await databaseFrom('fixold', `${oldSql};${data}`);
  try {
    const steps = planFix(await schemaOf(fresh), [await schemaOf(fresh), await schemaOf(old)]);
    for (let round = 0; round < 2; round++) {
      for (const step of steps.filter((s) => !s.disabled)) {
        await fresh.query(step.sql);
        await old.query(step.sql);
      }
    }
    const a = schemaEntries(await schemaOf(fresh));
    const b = schemaEntries(await schemaOf(old));
    const leftOver = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k)?.definition !== b.get(k)?.definition).sort();
    const rows = data ? [(await old.query('SELECT * FROM t ORDER BY 1')).rows] : [];
    return { steps, leftOver, old: rows };
  } finally {
    await fresh.drop();
    await old.drop();
  }
}

describe('planFix on real databases', () => {
  it('the seed case: adds tags and meta, converts status from jsonb, unwrapping JSON strings', async () => {
    const { steps, leftOver, old } = await reconcile(
      'CREATE TABLE t (id int PRIMARY KEY, tags jsonb, meta json, status varchar)',
      'CREATE TABLE t (id int PRIMARY KEY, status jsonb)',
      `INSERT INTO t VALUES (1, '"open"'), (2, NULL)`,
    );
    expect(leftOver).toEqual([]);
    expect(steps.map((s) => s.sql)).toEqual([
      'ALTER TABLE t ADD COLUMN IF NOT EXISTS tags jsonb',
      'ALTER TABLE t ADD COLUMN IF NOT EXISTS meta json',
      expect.stringContaining(`ALTER TABLE t ALTER COLUMN status TYPE character varying USING status #>> '{}'`),
    ]);
    expect(old[0]).toEqual([
      { id: 1, status: 'open', tags: null, meta: null },
      { id: 2, status: null, tags: null, meta: null },
    ]);
  });

  it('an enum value, a changed partial index, a unique constraint changed in place, a missing table with a foreign key', async () => {
    const { leftOver, steps } = await reconcile(
      `CREATE TYPE s AS ENUM ('a', 'b', 'c');
       CREATE TABLE t (id int PRIMARY KEY, org int, email text, state s, deleted_at timestamp, CONSTRAINT uq UNIQUE (email));
       CREATE INDEX ix ON t (email) WHERE deleted_at IS NULL AND org IS NOT NULL;
       CREATE TABLE child (id int PRIMARY KEY, t_id int NOT NULL REFERENCES t(id))`,
      `CREATE TYPE s AS ENUM ('a', 'c');
       CREATE TABLE t (id int PRIMARY KEY, org int, email text, state s, deleted_at timestamp, CONSTRAINT uq UNIQUE (org, email));
       CREATE INDEX ix ON t (email) WHERE deleted_at IS NULL`,
    );
    expect(leftOver).toEqual([]);
    const sql = steps.map((s) => s.sql).join('\n');
    expect(sql).toContain("ALTER TYPE s ADD VALUE IF NOT EXISTS 'b' AFTER 'a'");
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS child');
    expect(sql.indexOf('CREATE TABLE IF NOT EXISTS child')).toBeLessThan(sql.indexOf('child_t_id_fkey'));
  });

  it('never drops data silently: a column and a table only old databases have stay, written commented out', async () => {
    const { leftOver, steps } = await reconcile('CREATE TABLE t (id int PRIMARY KEY)', 'CREATE TABLE t (id int PRIMARY KEY, legacy text); CREATE TABLE gone (id int)');
    expect(leftOver).toEqual(['column:public.gone.id', 'column:public.t.legacy', 'table:public.gone']);
    expect(steps.filter((s) => s.disabled).map((s) => s.sql)).toEqual(['ALTER TABLE t DROP COLUMN IF EXISTS legacy', 'DROP TABLE IF EXISTS gone']);
    expect(steps.every((s) => !s.disabled || s.comments.length > 0)).toBe(true);
  });

  it('writes a narrowing type change commented out, with the reason', async () => {
    const { steps, leftOver } = await reconcile('CREATE TABLE t (code varchar(5))', 'CREATE TABLE t (code varchar(50))');
    expect(leftOver).toEqual(['column:public.t.code']);
    expect(steps).toEqual([expect.objectContaining({ disabled: true, comments: [expect.stringMatching(/can fail or lose data/)] })]);
  });

  it('keeps hostile names identifiers, never SQL', async () => {
    const name = 'x"; DROP TABLE victim; --';
    const { leftOver, steps } = await reconcile(
      `CREATE TABLE victim (id int); CREATE TABLE "${name.replace(/"/g, '""')}" (id int, "Weird ""col""" text DEFAULT 'it''s')`,
      `CREATE TABLE victim (id int); CREATE TABLE "${name.replace(/"/g, '""')}" (id int)`,
    );
    expect(leftOver).toEqual([]);
    expect(steps[0]!.sql).toBe(`ALTER TABLE "x""; DROP TABLE victim; --" ADD COLUMN IF NOT EXISTS "Weird ""col""" text DEFAULT 'it''s'::text`);
  });

  it('plans nothing when the databases already match', async () => {
    const { steps } = await reconcile('CREATE TABLE t (id int)', 'CREATE TABLE t (id int)');
    expect(steps).toEqual([]);
  });
});
