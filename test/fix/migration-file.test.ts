import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { inject } from 'vitest';
import { migrationFile, pythonString } from '../../src/fix/migration-file.js';
import { migrationFileName, nextRevisionId } from '../../src/fix/revision-id.js';

describe('nextRevisionId follows the chain’s own pattern', () => {
  it.each([
    ['oss000000008', 'oss000000009'],
    ['0042', '0043'],
    ['0099', '0100'],
    ['9', '10'],
    ['v12', 'v13'],
    ['0042_add_users', '0043'],
  ])('%s → %s', (head, next) => {
    expect(nextRevisionId([head], head)).toBe(next);
  });

  it('skips ids the chain already has', () => {
    expect(nextRevisionId(['0042', '0043'], '0042')).toBe('0044');
  });

  it('gives hex chains a new random hex id, never a taken one', () => {
    const ids = ['ae1027a6acf0', 'b1f2c3d4e5f6'];
    const picks = ['b1f2c3d4e5f6', '0123456789ab'];
    expect(nextRevisionId(ids, 'ae1027a6acf0', () => picks.shift()!)).toBe('0123456789ab');
    expect(nextRevisionId(ids, 'ae1027a6acf0')).toMatch(/^[0-9a-f]{12}$/);
  });

  it('gives dated chains a new id for now, in the same shape', () => {
    expect(nextRevisionId(['20240131_1205'], '20240131_1205')).toMatch(/^\d{8}_\d{4}$/);
    expect(nextRevisionId(['2024_01_31_1205'], '2024_01_31_1205')).toMatch(/^\d{4}_\d{2}_\d{2}_\d{4}$/);
  });

  it('names the file after the chain’s files', () => {
    expect(migrationFileName('oss000000009', ['oss000000008_add_session_streams.py'], 'reconcile_schema_drift')).toBe('oss000000009_reconcile_schema_drift.py');
    expect(migrationFileName('1a2b3c4d5e6f', ['2024_01_31_1205-ae1027a6acf0_init.py'], 'fix')).toMatch(/^\d{4}_\d{2}_\d{2}_\d{4}-1a2b3c4d5e6f_fix\.py$/);
  });
});

describe('migrationFile', () => {
  const python = () => inject('pythonExecutable');
  const parses = (source: string) =>
    execFileSync(python(), ['-c', 'import ast,sys; m=ast.parse(sys.stdin.read()); print([n.targets[0].id for n in m.body if isinstance(n, ast.Assign)])'], { input: source }).toString();

  it('is valid Python for any SQL, and hands Postgres the SQL exactly', () => {
    const sql = `DO $$ BEGIN RAISE NOTICE 'a "quoted" \\ backslash'; END $$\n-- """ triple\nSELECT '\\n'`;
    const file = migrationFile({
      revision: '0043',
      downRevisions: ['0042'],
      message: 'reconcile """ drift',
      steps: [
        { sql, comments: ['why'], disabled: false, entryKey: 'x' },
        { sql: 'DROP TABLE old', comments: ['data lives there'], disabled: true, entryKey: 'y' },
      ],
      downgradeNote: 'nothing to undo',
    });
    expect(parses(file)).toContain("['revision', 'down_revision', 'branch_labels', 'depends_on']");
    const roundTrip = execFileSync(python(), ['-c', `import sys\nns={}\nclass Op:\n  def execute(self, s): print(s, end='')\nsrc=sys.stdin.read().replace('from alembic import op','')\nexec(src, ns)\nns['op']=Op()\nns['upgrade']()`], { input: file }).toString();
    expect(roundTrip.replace(/^ +/gm, '').trim()).toBe(sql.replace(/^ +/gm, ''));
    expect(file).toContain('# DISABLED: data lives there\n    # op.execute("DROP TABLE old")');
  });

  it('writes a merge revision for several heads', () => {
    const file = migrationFile({ revision: '0004', downRevisions: ['0002', '0003'], message: 'merge', steps: [], downgradeNote: 'merge' });
    expect(file).toContain('down_revision = ("0002", "0003")');
    expect(parses(file)).toContain('down_revision');
  });

  it('quotes single-line strings safely', () => {
    expect(pythonString('a "b" \\ c')).toBe('"a \\"b\\" \\\\ c"');
  });
});
