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
    const order = result.steps.filter((s) => !s.disabled).map((s) => s.entryKey);
    const typeChange = order.indexOf('column:public.interactions.status');
    expect(typeChange).toBeGreaterThan(-1);
    // Each old version goes before the type change, each new one comes after it.
    for (const key of ['constraint:public.interactions.interactions_status_known', 'index:public.interactions.ix_interactions_pending']) {
      expect(order.indexOf(key)).toBeLessThan(typeChange);
      expect(order.lastIndexOf(key)).toBeGreaterThan(typeChange);
    }
    expect(result.after).toEqual([]);
    expect(result.freshChanged).toBe(false);
    expect(result.secondRunChanged).toBe(false);
    expect(result.probeChanged).toBe(false);
    expect(result.replanned).toEqual([]);
  });
});
