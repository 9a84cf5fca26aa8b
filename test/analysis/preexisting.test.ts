import { describe, expect, it } from 'vitest';
import { namesTable, splitPreexisting } from '../../src/analysis/preexisting.js';
import type { Finding } from '../../src/report/report.js';

const finding = (over: Partial<Finding>): Finding => ({
  database: 'default',
  object: 'column',
  table: 'accounts',
  name: 'email',
  fresh: 'character varying(200) not null',
  upgraded: 'character varying(200) not null',
  models: 'character varying(100) not null',
  cause: null,
  references: [{ path: 'app/models.py', line: 3, symbol: 'Account' }],
  difference: 'differs-from-models',
  breaksCode: false,
  startingPoints: ['main'],
  ...over,
});
const run = (statements: string[]) => ({ revision: '0002', path: 'v/0002.py', statements, content: '' });
const untouched = { newOrEditedRuns: [], changed: () => false, declaredIn: () => ['app/models.py'] };

describe('splitPreexisting', () => {
  it('moves a models difference the branch touched on neither side out of the findings', () => {
    expect(splitPreexisting([finding({})], untouched)).toEqual({ findings: [], preexisting: [finding({})] });
  });

  it('keeps it when the branch changed a file that declares the table', () => {
    const changes = { ...untouched, changed: (path: string) => path === 'app/models.py' };
    expect(splitPreexisting([finding({})], changes).findings).toHaveLength(1);
  });

  it('keeps it when a new or edited revision names the table, quoted or not', () => {
    for (const statement of ['ALTER TABLE accounts ALTER COLUMN email TYPE varchar(200)', 'UPDATE "public"."accounts" SET email = lower(email)']) {
      expect(splitPreexisting([finding({})], { ...untouched, newOrEditedRuns: [run([statement])] }).findings).toHaveLength(1);
    }
    expect(splitPreexisting([finding({})], { ...untouched, newOrEditedRuns: [run(['ALTER TABLE accounts_archive ADD x int'])] }).findings).toHaveLength(0);
  });

  it('never moves a difference between the installs', () => {
    const installs = finding({ difference: 'differs-on-upgraded' });
    expect(splitPreexisting([installs], untouched).findings).toEqual([installs]);
  });

  it('names a table only as a whole identifier', () => {
    expect(namesTable('DROP TABLE accounts', 'accounts')).toBe(true);
    expect(namesTable('DROP TABLE old_accounts', 'accounts')).toBe(false);
    expect(namesTable('CREATE INDEX ix ON billing.accounts (id)', 'billing.accounts')).toBe(true);
  });
});
