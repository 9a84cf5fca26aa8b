import { describe, expect, it } from 'vitest';
import { attachCauses, lineOf, type RevisionRun } from '../../src/analysis/causes.js';
import type { Finding } from '../../src/report/report.js';

const finding = (over: Partial<Finding>): Finding => ({
  database: 'core',
  object: 'column',
  table: 'streams',
  name: 'tags',
  fresh: 'jsonb',
  upgraded: null,
  models: null,
  cause: null,
  references: [],
  difference: 'missing-on-upgraded',
  breaksCode: false,
  startingPoints: ['main'],
  ...over,
});

const run = (revision: string, statements: string[], content = 'def upgrade():\n    pass\n'): RevisionRun => ({ revision, path: `v/${revision}.py`, statements, content });

describe('attachCauses', () => {
  const headRuns = [
    run('r1', ['CREATE TABLE streams (id uuid)']),
    run('r2', ['ALTER TABLE streams ADD COLUMN tags JSONB'], 'import x\n\ndef upgrade():\n    op.add_column("streams", sa.Column("tags", JSONB))\n'),
    run('r3', ['CREATE TABLE other (tags text)']),
  ];

  it('blames the last revision whose SQL names the object and its table, at the line that names it', () => {
    const [result] = attachCauses([finding({})], { headRuns, baseRuns: [], edited: [], baseRevisions: new Set(['r1', 'r2', 'r3']), headParents: new Map() });
    expect(result!.cause).toEqual({ revision: 'r2', path: 'v/r2.py', line: 4, kind: 'created-by' });
  });

  it('says edited-in-place when git saw the revision change', () => {
    const edited = [
      {
        database: 'core',
        revision: 'r2',
        path: 'v/r2.py',
        change: 'modified' as const,
        changes: ['modified' as const],
        basePath: null,
        baseDownRevision: null,
        headDownRevision: null,
        chain: 'v',
      },
    ];
    const [result] = attachCauses([finding({})], { headRuns, baseRuns: [], edited, baseRevisions: new Set(['r1', 'r2']), headParents: new Map() });
    expect(result!.cause?.kind).toBe('edited-in-place');
  });

  it('says inserted-into-history for a new revision below one base already has', () => {
    const parents = new Map([
      ['r1', []],
      ['r2', ['r1']],
      ['r3', ['r2']],
    ]);
    const [result] = attachCauses([finding({})], { headRuns, baseRuns: [], edited: [], baseRevisions: new Set(['r1', 'r3']), headParents: parents });
    expect(result!.cause?.kind).toBe('inserted-into-history');
  });

  it('looks in base runs for objects only old databases have', () => {
    const baseRuns = [run('old', ['CREATE TABLE legacy (id int)'])];
    const [result] = attachCauses([finding({ object: 'table', table: null, name: 'legacy', difference: 'only-on-upgraded' })], {
      headRuns,
      baseRuns,
      edited: [],
      baseRevisions: new Set(['old']),
      headParents: new Map(),
    });
    expect(result!.cause?.revision).toBe('old');
  });

  it('leaves the cause empty when no revision names the object', () => {
    const [result] = attachCauses([finding({ name: 'nickname' })], { headRuns, baseRuns: [], edited: [], baseRevisions: new Set(), headParents: new Map() });
    expect(result!.cause).toBeNull();
  });

  it('matches whole words only', () => {
    expect(lineOf('def upgrade():\n    tagsx = 1\n    x("tags")\n', 'tags')).toBe(3);
  });
});
