/** Row-level security policies and row security flags: the fix converges on real databases. */
import { describe, expect, it } from 'vitest';
import { converge } from './converge.js';

const HOSTILE = `"p""; DROP TABLE victim; --"`;

const TABLES = `
CREATE TABLE victim (id int);
CREATE TABLE docs (id int, owner text, body text);
CREATE TABLE notes (id int, body text);
`;

/** Head's migrations: row security on, forced on docs, four policies. */
const FRESH = `${TABLES}
ALTER TABLE docs ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON docs FOR SELECT USING (owner = current_user);
CREATE POLICY not_empty ON docs AS RESTRICTIVE FOR INSERT TO pg_database_owner WITH CHECK (body <> '');
CREATE POLICY edit ON docs FOR UPDATE USING (owner = current_user) WITH CHECK (body IS NOT NULL);
CREATE POLICY ${HOSTILE} ON notes FOR DELETE USING (body <> 'it''s kept');
`;

/** An install upgraded through the same revisions before they were edited. */
const OLD = `${TABLES}
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY not_empty ON docs FOR INSERT WITH CHECK (body <> '');
CREATE POLICY edit ON docs FOR UPDATE USING (true) WITH CHECK (body IS NOT NULL);
CREATE POLICY legacy ON docs FOR ALL USING (id > 0);
INSERT INTO docs VALUES (1, 'me', 'kept');
`;

describe('policy and row security fixes on real databases', () => {
  it('differ only in policies and row security, and converge: applied twice, nothing left, fresh untouched', async () => {
    // A policy recreated gets a new oid: where it already matches, the guard leaves it be.
    const result = await converge('policies', FRESH, OLD, 'SELECT polname, oid::text FROM pg_policy ORDER BY polname');
    expect(result.before).toEqual([
      'policy:public.docs.edit',
      'policy:public.docs.legacy',
      'policy:public.docs.not_empty',
      'policy:public.docs.own',
      'policy:public.notes.p"; DROP TABLE victim; --',
      'row security:public.docs',
      'row security:public.notes',
    ]);
    expect(result.steps.every((s) => !s.disabled)).toBe(true);
    const sql = result.steps.map((s) => s.sql).join('\n');
    expect(sql).toContain('DROP POLICY IF EXISTS legacy ON docs');
    expect(sql).toContain('CREATE POLICY not_empty ON docs AS RESTRICTIVE FOR INSERT TO pg_database_owner WITH CHECK');
    expect(sql).toContain(`CREATE POLICY ${HOSTILE} ON notes AS PERMISSIVE FOR DELETE TO PUBLIC USING ((body <> 'it''s kept'::text))`);
    expect(sql).toContain('ALTER TABLE docs ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY');
    expect(result.after).toEqual([]);
    expect(result.freshChanged).toBe(false);
    expect(result.secondRunChanged).toBe(false);
    expect(result.replanned).toEqual([]);
    expect(result.probeChanged).toBe(false);
  });

  it('drops a policy before a column of its table changes type (Postgres refuses it otherwise), and creates it again after', async () => {
    const result = await converge(
      'policytype',
      `${TABLES}\nALTER TABLE docs ALTER COLUMN owner TYPE varchar(80);\nCREATE POLICY own ON docs USING (owner = current_user);`,
      `${TABLES}\nALTER TABLE docs ALTER COLUMN owner TYPE varchar(20);\nCREATE POLICY own ON docs USING (owner = current_user);\nINSERT INTO docs VALUES (1, 'me', 'kept');`,
      'SELECT polname, oid::text FROM pg_policy ORDER BY polname',
    );
    // The policy prints the same on both: only the column differs.
    expect(result.before).toEqual(['column:public.docs.owner']);
    expect(result.steps.map((s) => s.entryKey)).toEqual(['policy:public.docs.own', 'column:public.docs.owner', 'policy:public.docs.own']);
    expect(result.after).toEqual([]);
    expect(result.freshChanged).toBe(false);
    expect(result.probeChanged).toBe(false);
    expect(result.replanned).toEqual([]);
  });

  it('holds back turning row security off where only old installs have it on; the rest converges', async () => {
    const result = await converge(
      'rlsoff',
      `${TABLES}`,
      `${TABLES}\nALTER TABLE notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;\nALTER TABLE docs FORCE ROW LEVEL SECURITY;`,
    );
    expect(result.before).toEqual(['row security:public.docs', 'row security:public.notes']);
    expect(result.steps.map((s) => [s.entryKey, s.disabled, s.sql])).toEqual([
      // Forced but not enabled enforces nothing: undoing it opens nothing.
      ['row security:public.docs', false, 'ALTER TABLE docs DISABLE ROW LEVEL SECURITY, NO FORCE ROW LEVEL SECURITY'],
      ['row security:public.notes', true, 'ALTER TABLE notes DISABLE ROW LEVEL SECURITY, NO FORCE ROW LEVEL SECURITY'],
    ]);
    expect(result.steps[1]!.comments.join(' ')).toMatch(/see the rows its policies hide.*then enable/);
    expect(result.after).toEqual(['row security:public.notes']);
    expect(result.freshChanged).toBe(false);
    expect(result.replanned.map((s) => [s.entryKey, s.disabled])).toEqual([['row security:public.notes', true]]);
  });
});
