import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RuleContext } from '../../src/hazards/rule.js';
import { RULES } from '../../src/hazards/rules/index.js';
import { parseStatement } from '../../src/hazards/statement.js';

/** The rule ids a statement trips, given what ran before it in the revision and the PR's new tables. */
function trips(sql: string, over: { earlier?: string[]; newTables?: string[]; mapped?: Record<string, string[]> | null } = {}): string[] {
  const context: RuleContext = {
    newTables: new Set(over.newTables ?? []),
    earlier: (over.earlier ?? []).map(parseStatement),
    mapped: over.mapped === null ? null : new Map(Object.entries(over.mapped ?? {}).map(([t, cs]) => [t, new Set(cs)])),
  };
  return RULES.flatMap((rule) => rule.check(parseStatement(sql), context).map((h) => h.rule));
}

const LOCKED = ["SET lock_timeout = '5s'"];

describe('hazard rules', () => {
  it('every rule has a unique kebab-case id and a documentation page that says how to suppress it', () => {
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^[a-z]+(?:-[a-z]+)*$/);
      const page = readFileSync(new URL(`../../docs/rules/${rule.id}.md`, import.meta.url), 'utf8');
      expect(page).toContain(`# \`${rule.id}\``);
      expect(page).toContain(`# driftbot: allow ${rule.id} <reason>`);
    }
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });

  it('table-rewrite: ALTER COLUMN TYPE on an existing table, not on a table created in this pull request', () => {
    expect(trips('ALTER TABLE users ALTER COLUMN age TYPE BIGINT', { earlier: LOCKED })).toEqual(['table-rewrite']);
    expect(trips('ALTER TABLE "Users" ALTER age SET DATA TYPE bigint USING age::bigint', { earlier: LOCKED })).toEqual(['table-rewrite']);
    expect(trips('ALTER TABLE users ALTER COLUMN age TYPE BIGINT', { earlier: LOCKED, newTables: ['users'] })).toEqual([]);
    expect(trips('ALTER TABLE users ALTER COLUMN age SET DEFAULT 0', { earlier: LOCKED })).toEqual([]);
  });

  it('table-rewrite: a column added with a default computed per row, not with a constant one (no rewrite since Postgres 11)', () => {
    expect(trips('ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid() NOT NULL', { earlier: LOCKED })).toEqual(['table-rewrite']);
    expect(trips('ALTER TABLE users ADD COLUMN n BIGSERIAL', { earlier: LOCKED })).toEqual(['table-rewrite']);
    expect(trips('ALTER TABLE users ADD COLUMN flag boolean DEFAULT false', { earlier: LOCKED })).toEqual([]);
    expect(trips('ALTER TABLE users ADD COLUMN at timestamptz DEFAULT now()', { earlier: LOCKED })).toEqual([]);
  });

  it('add-column-not-null-without-default: fails on a table with rows; a default or identity makes it safe', () => {
    expect(trips('ALTER TABLE users ADD COLUMN email VARCHAR(200) NOT NULL', { earlier: LOCKED })).toEqual(['add-column-not-null-without-default']);
    expect(trips("ALTER TABLE users ADD COLUMN email VARCHAR(200) DEFAULT '' NOT NULL", { earlier: LOCKED })).toEqual([]);
    expect(trips('ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY NOT NULL', { earlier: LOCKED })).toEqual([]);
    expect(trips('ALTER TABLE users ADD COLUMN email VARCHAR(200)', { earlier: LOCKED })).toEqual([]);
    expect(trips('ALTER TABLE users ADD COLUMN email text NOT NULL', { earlier: LOCKED, newTables: ['users'] })).toEqual([]);
  });

  it('set-not-null: unless a NOT VALID check on the column was added and validated before it', () => {
    expect(trips('ALTER TABLE users ALTER COLUMN email SET NOT NULL', { earlier: LOCKED })).toEqual(['set-not-null']);
    const proven = [...LOCKED, 'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID', 'ALTER TABLE users VALIDATE CONSTRAINT email_nn'];
    expect(trips('ALTER TABLE users ALTER COLUMN email SET NOT NULL', { earlier: proven })).toEqual([]);
    // Added but never validated: still a full scan under the lock.
    expect(trips('ALTER TABLE users ALTER COLUMN email SET NOT NULL', { earlier: proven.slice(0, 2) })).toEqual(['set-not-null']);
    // A check on another column proves nothing about this one.
    expect(trips('ALTER TABLE users ALTER COLUMN name SET NOT NULL', { earlier: proven })).toEqual(['set-not-null']);
    expect(trips('ALTER TABLE users ALTER COLUMN email DROP NOT NULL', { earlier: LOCKED })).toEqual([]);
  });

  it('index-not-concurrent: CREATE INDEX on an existing table without CONCURRENTLY', () => {
    expect(trips('CREATE INDEX ix_users_email ON users (email)')).toEqual(['index-not-concurrent']);
    expect(trips('CREATE UNIQUE INDEX IF NOT EXISTS ix ON public.users USING btree (email)')).toEqual(['index-not-concurrent']);
    expect(trips('CREATE INDEX CONCURRENTLY ix_users_email ON users (email)')).toEqual([]);
    expect(trips('CREATE INDEX ix_users_email ON users (email)', { newTables: ['users'] })).toEqual([]);
  });

  it('constraint-not-valid: a foreign key or check without NOT VALID on an existing table', () => {
    expect(trips('ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY(user_id) REFERENCES users (id)', { earlier: LOCKED })).toEqual(['constraint-not-valid']);
    expect(trips('ALTER TABLE orders ADD CHECK (total >= 0)', { earlier: LOCKED })).toEqual(['constraint-not-valid']);
    expect(trips('ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY(user_id) REFERENCES users (id) NOT VALID', { earlier: LOCKED })).toEqual([]);
    expect(trips('ALTER TABLE orders ADD CONSTRAINT uq UNIQUE (code)', { earlier: LOCKED })).toEqual([]);
  });

  it('missing-lock-timeout: the first ALTER TABLE of an existing table with no lock_timeout set before it', () => {
    expect(trips('ALTER TABLE users ADD COLUMN nick text')).toEqual(['missing-lock-timeout']);
    expect(trips('ALTER TABLE users ADD COLUMN nick text', { earlier: ["SET LOCAL lock_timeout TO '2s'"] })).toEqual([]);
    expect(trips('ALTER TABLE users ADD COLUMN nick text', { earlier: ["SELECT set_config('lock_timeout', '2s', true)"] })).toEqual([]);
    // Once per revision, not once per statement.
    expect(trips('ALTER TABLE users ADD COLUMN nick text', { earlier: ['ALTER TABLE users ADD COLUMN bio text'] })).toEqual([]);
    expect(trips('ALTER TABLE users ADD COLUMN nick text', { newTables: ['users'] })).toEqual([]);
  });

  it("drop-mapped-column: dropping what head's models still map", () => {
    const mapped = { users: ['id', 'email'] };
    expect(trips('ALTER TABLE users DROP COLUMN email', { earlier: LOCKED, mapped })).toEqual(['drop-mapped-column']);
    expect(trips('DROP TABLE users', { mapped })).toEqual(['drop-mapped-column']);
    expect(trips('ALTER TABLE users DROP COLUMN legacy', { earlier: LOCKED, mapped })).toEqual([]);
    expect(trips('ALTER TABLE users DROP CONSTRAINT email', { earlier: LOCKED, mapped })).toEqual([]);
    expect(trips('DROP TABLE users', { mapped: null })).toEqual([]);
  });

  it('reads statements with comments, line breaks and odd case the same', () => {
    expect(trips('-- add it\ncreate   index ix\n  on /* the table */ users(email);')).toEqual(['index-not-concurrent']);
  });

  it('names the table and column in its message', () => {
    const [hazard] = RULES.flatMap((rule) =>
      rule.check(parseStatement('ALTER TABLE users ALTER COLUMN email SET NOT NULL'), { newTables: new Set(), earlier: LOCKED.map(parseStatement), mapped: null }),
    );
    expect(hazard?.message).toContain('users.email');
    expect(hazard?.severity).toBe('warning');
  });
});
