/**
 * A check and a partial index on `status IN (…)` over a varchar column: the fix converges
 * on real databases, though what it adds prints otherwise than the fresh install's.
 */
import { describe, expect, it } from 'vitest';
import { converge } from './converge.js';

// The index's and the constraint's oids: a fresh install's are never dropped and made again.
const PROBE = `SELECT to_regclass('ix_interactions_open')::oid AS index, (SELECT oid FROM pg_constraint WHERE conname = 'interactions_status_known') AS constraint`;

// Postgres prints `status IN (…)` on a varchar column as one cast of the whole array, and
// reads that text back as a cast of each element: what the fix adds prints otherwise.
const IN_LIST_FRESH = `
CREATE TABLE interactions (id int PRIMARY KEY, project_id int, status varchar(20),
  CONSTRAINT interactions_status_known CHECK (status IN ('pending', 'it''s done')));
CREATE INDEX ix_interactions_open ON interactions (project_id) WHERE status IN ('pending', 'it''s done');
`;

const IN_LIST_OLD = `
CREATE TABLE interactions (id int PRIMARY KEY, project_id int, status varchar(20),
  CONSTRAINT interactions_status_known CHECK (status IN ('pending', 'failed', 'it''s done')));
`;

describe('an IN list on a varchar column, in a check changed in place and a partial index missing', () => {
  it('converges, and neither the fix nor a second run touches a database whose definitions match', async () => {
    const result = await converge('inlist', IN_LIST_FRESH, IN_LIST_OLD, PROBE);
    expect(result.before).toEqual(['constraint:public.interactions.interactions_status_known', 'index:public.interactions.ix_interactions_open']);
    expect(result.after).toEqual([]);
    expect(result.freshChanged).toBe(false);
    expect(result.secondRunChanged).toBe(false);
    expect(result.probeChanged).toBe(false);
    expect(result.replanned).toEqual([]);
  });
});
