/** The fix's revision id and file name follow the chain's own pattern. */
import { describe, expect, it } from 'vitest';
import { migrationFileName, migrationFilePath, nextRevisionId } from '../../src/fix/revision-id.js';

const at = (iso: string) => () => new Date(iso);

describe('nextRevisionId', () => {
  it.each([
    ['oss000000008', 'oss000000009'],
    ['0042', '0043'],
    ['0099', '0100'],
    ['9', '10'],
    ['v12', 'v13'],
    ['0042_add_x', '0043'],
    ['rev_007', 'rev_008'],
  ])('counter %s → %s', (head, next) => {
    expect(nextRevisionId([head], head)).toBe(next);
  });

  it('goes past the highest number of the chain, never an id it already has', () => {
    expect(nextRevisionId(['0041', '0042', '0043_other_branch'], '0042')).toBe('0044');
    expect(nextRevisionId(['oss000000007', 'oss000000008', 'oss000000009'], 'oss000000008')).toBe('oss000000010');
  });

  it('draws a new random 12-hex id for hex chains, redrawing a taken one', () => {
    const existing = ['ae1027a6acf0', 'b1f2c3d4e5f6'];
    const draws = ['b1f2c3d4e5f6', 'ae1027a6acf0', '0123456789ab'];
    expect(nextRevisionId(existing, 'ae1027a6acf0', () => draws.shift()!)).toBe('0123456789ab');
    expect(draws).toEqual([]);
    expect(nextRevisionId(existing, 'ae1027a6acf0')).toMatch(/^[0-9a-f]{12}$/);
  });

  it('treats an all-digit hex id as hex when the rest of the chain is', () => {
    expect(nextRevisionId(['ae1027a6acf0', '123456789012'], '123456789012', () => 'c0ffee000001')).toBe('c0ffee000001');
  });

  it('makes a dated id for now, in the head’s shape', () => {
    const now = at('2025-03-04T05:06:07Z');
    expect(nextRevisionId(['20240131_1205'], '20240131_1205', undefined, now)).toBe('20250304_0506');
    expect(nextRevisionId(['2024_01_31_1205'], '2024_01_31_1205', undefined, now)).toBe('2025_03_04_0506');
    expect(nextRevisionId(['20240131120500'], '20240131120500', undefined, now)).toBe('20250304050607');
  });

  it('moves a dated id on while it is taken or not after the chain’s latest', () => {
    expect(nextRevisionId(['20250304_0506'], '20250304_0506', undefined, at('2025-03-04T05:06:30Z'))).toBe('20250304_0507');
    expect(nextRevisionId(['20300101_0000'], '20300101_0000', undefined, at('2025-03-04T05:06:30Z'))).toBe('20300101_0001');
  });

  it.each(['2024-01-31-120500', 'v-12', '../../../etc/passwd_0042', '0042/x', 'a"b_0042', 'x\n0042', '0042\u2028', '０４２'])(
    'never derives an id with more than letters, digits and "_" from a hostile head (%j): a fresh hex id instead',
    (head) => {
      const id = nextRevisionId([head, 'ae1027a6acf0'], head, undefined, at('2025-03-04T05:06:07Z'));
      expect(id).toMatch(/^[0-9a-f]{12}$/);
    },
  );

  it('falls back to a fresh hex id when a drawn one is not safe', () => {
    expect(nextRevisionId(['ae1027a6acf0'], 'ae1027a6acf0', () => '../x')).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('migrationFileName', () => {
  it('refuses a revision id that could leave the folder or break the file', () => {
    for (const revision of ['../x', 'a/b', 'a-b', '', 'x\ny']) {
      expect(() => migrationFileName(revision, [], 'reconcile')).toThrow(/may only hold letters, digits and "_"/);
    }
  });

  it('keeps the file inside the versions folder', () => {
    expect(migrationFilePath('db/versions', '0043_fix.py')).toBe('db/versions/0043_fix.py');
    for (const name of ['../0043_fix.py', 'a/../../x.py', '/etc/x.py', 'sub/x.py', '..', '.py', 'x.py/']) {
      expect(() => migrationFilePath('db/versions', name)).toThrow(/would leave the versions folder db\/versions/);
    }
  });

  it('follows the chain’s file names', () => {
    expect(migrationFileName('oss000000009', ['oss000000008_add_session_streams.py'], 'reconcile_schema_drift')).toBe('oss000000009_reconcile_schema_drift.py');
    expect(migrationFileName('0043', ['0042_add_x.py'], 'reconcile')).toBe('0043_reconcile.py');
    expect(migrationFileName('1a2b3c4d5e6f', ['ae1027a6acf0_init.py'], 'reconcile')).toBe('1a2b3c4d5e6f_reconcile.py');
  });

  it('follows Alembic’s date-prefixed template when the chain uses it', () => {
    expect(migrationFileName('1a2b3c4d5e6f', ['2024_01_31_1205-ae1027a6acf0_init.py'], 'fix', at('2025-03-04T05:06:07Z'))).toBe('2025_03_04_0506-1a2b3c4d5e6f_fix.py');
  });

  it('keeps the slug to safe file-name characters', () => {
    expect(migrationFileName('0043', [], '../Evil Name/"x"')).toBe('0043_evil_name_x.py');
  });
});
