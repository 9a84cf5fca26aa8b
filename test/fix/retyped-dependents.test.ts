/**
 * A column whose type was edited in place, with an index and a check constraint that
 * were edited with it (same names, new definitions): old installs' versions use the
 * old type (`status ->> 'code'` on jsonb) and block the type change until they go.
 * The fix converges on real databases. (Agenta's oss000000009, reduced.)
 */
import { describe, expect, it } from 'vitest';
import { converge } from './converge.js';

const FRESH = `
CREATE TABLE interactions (id int PRIMARY KEY, project_id int, status varchar, deleted_at timestamptz,
  CONSTRAINT interactions_status_known CHECK (status <> 'unknown'));
CREATE INDEX ix_interactions_pending ON interactions (project_id) WHERE status = 'pending' AND deleted_at IS NULL;
`;

const OLD = `
CREATE TABLE interactions (id int PRIMARY KEY, project_id int, status jsonb, deleted_at timestamptz,
  CONSTRAINT interactions_status_known CHECK (status ->> 'code' <> 'unknown'));
CREATE INDEX ix_interactions_pending ON interactions (project_id) WHERE status ->> 'code' = 'pending' AND deleted_at IS NULL;
INSERT INTO interactions VALUES (1, 7, '"pending"', NULL);
`;

// The index's and the constraint's oids: a fresh install's are never dropped and made again.
const PROBE = `SELECT to_regclass('ix_interactions_pending')::oid AS index, (SELECT oid FROM pg_constraint WHERE conname = 'interactions_status_known') AS constraint`;

describe('a column retyped in place, with an index and a check on it changed too', () => {
  it('drops the old versions before the type change, creates the new ones after: applied twice, nothing left, fresh untouched', async () => {
    const result = await converge('retyped', FRESH, OLD, PROBE);
    expect(result.before).toEqual([
      'column:public.interactions.status',
      'constraint:public.interactions.interactions_status_known',
      'index:public.interactions.ix_interactions_pending',
    ]);
    expectAroundTypeChange(result, ['constraint:public.interactions.interactions_status_known', 'index:public.interactions.ix_interactions_pending']);
  });
});

const TRIGGERS_FRESH = `
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE interactions (id int PRIMARY KEY, status varchar);
CREATE TRIGGER interactions_touch BEFORE UPDATE OF status ON interactions FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER interactions_done BEFORE UPDATE ON interactions FOR EACH ROW WHEN (NEW.status = 'done') EXECUTE FUNCTION touch();
`;

const TRIGGERS_OLD = `
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE interactions (id int PRIMARY KEY, status jsonb);
CREATE TRIGGER interactions_touch BEFORE UPDATE OF status ON interactions FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER interactions_done BEFORE UPDATE ON interactions FOR EACH ROW WHEN (NEW.status ->> 'code' = 'done') EXECUTE FUNCTION touch();
INSERT INTO interactions VALUES (1, '"pending"');
`;

const TRIGGERS_PROBE = `SELECT tgname, oid FROM pg_trigger WHERE tgrelid = 'interactions'::regclass ORDER BY tgname`;

describe('a column retyped in place, with triggers on it', () => {
  it('drops them before the type change where it changes or they differ, creates them after: applied twice, nothing left, fresh untouched', async () => {
    // Postgres will not retype a column a trigger depends on: one that fires on UPDATE OF
    // it (the same everywhere), one whose WHEN reads it (changed with it).
    const result = await converge('retypedtriggers', TRIGGERS_FRESH, TRIGGERS_OLD, TRIGGERS_PROBE);
    expect(result.before).toEqual(['column:public.interactions.status', 'trigger:public.interactions.interactions_done']);
    expectAroundTypeChange(result, ['trigger:public.interactions.interactions_done', 'trigger:public.interactions.interactions_touch']);
  });
});

/**
 * Each of `keys` dropped before the status column's type changes and created after it,
 * and the fix converged: nothing left, fresh and the probed objects untouched, a second
 * run changes nothing, and a new plan is empty.
 */
function expectAroundTypeChange(result: Awaited<ReturnType<typeof converge>>, keys: string[]): void {
  const order = result.steps.filter((s) => !s.disabled).map((s) => s.entryKey);
  const typeChange = order.indexOf('column:public.interactions.status');
  expect(typeChange).toBeGreaterThan(-1);
  for (const key of keys) {
    expect(order.indexOf(key)).toBeLessThan(typeChange);
    expect(order.lastIndexOf(key)).toBeGreaterThan(typeChange);
  }
  expect(result.after).toEqual([]);
  expect(result.freshChanged).toBe(false);
  expect(result.secondRunChanged).toBe(false);
  expect(result.probeChanged).toBe(false);
  expect(result.replanned).toEqual([]);
}
