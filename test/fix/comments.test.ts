/** Table and column comments: the fix converges on real databases. */
import { describe, expect, it } from 'vitest';
import { converge } from './converge.js';

const TABLES = `
CREATE TABLE victim (id int);
CREATE TABLE accounts (id int, email text, "Odd ""col""" text);
`;

const FRESH = `${TABLES}
COMMENT ON TABLE accounts IS 'Who signs in; it''s "them"';
COMMENT ON COLUMN accounts.email IS E'Lower case,\\nback\\\\slash';
COMMENT ON COLUMN accounts."Odd ""col""" IS $$'); DROP TABLE victim; --$$;
`;

const OLD = `${TABLES}
COMMENT ON COLUMN accounts.email IS 'lower case';
COMMENT ON COLUMN accounts.id IS 'gone from fresh installs';
`;

describe('comment fixes on real databases', () => {
  it('differ only in comments, and converge: applied twice, nothing left, fresh untouched', async () => {
    const result = await converge('comments', FRESH, OLD);
    expect(result.before).toEqual(['comment:public.accounts', 'comment:public.accounts.Odd "col"', 'comment:public.accounts.email', 'comment:public.accounts.id']);
    expect(result.steps.map((s) => [s.entryKey, s.disabled, s.sql])).toEqual([
      ['comment:public.accounts', false, `COMMENT ON TABLE accounts IS 'Who signs in; it''s "them"'`],
      ['comment:public.accounts.Odd "col"', false, `COMMENT ON COLUMN accounts."Odd ""col""" IS '''); DROP TABLE victim; --'`],
      ['comment:public.accounts.email', false, "COMMENT ON COLUMN accounts.email IS E'Lower case,\nback\\\\slash'"],
      ['comment:public.accounts.id', false, 'COMMENT ON COLUMN accounts.id IS NULL'],
    ]);
    expect(result.after).toEqual([]);
    expect(result.freshChanged).toBe(false);
    expect(result.secondRunChanged).toBe(false);
    expect(result.replanned).toEqual([]);
  });
});
