import { describe, expect, it } from 'vitest';
import { findEditedMigrations, type RevisionFile } from '../../src/analysis/edited-migrations.js';

const file = (revision: string, down: string[], content: string, path = `v/${revision}.py`): RevisionFile => ({
  revision,
  downRevisions: down,
  path,
  content: `revision = "${revision}"\ndown_revision = ${JSON.stringify(down[0] ?? null)}\n${content}`,
});

const chain = (base: RevisionFile[], head: RevisionFile[]) => findEditedMigrations({ database: 'core', chain: 'v', base, head });

describe('findEditedMigrations', () => {
  it('sees nothing when base revisions are untouched and head only adds', () => {
    expect(chain([file('a', [], 'x')], [file('a', [], 'x'), file('b', ['a'], 'y')])).toEqual([]);
  });

  it('reports an in-place edit as modified', () => {
    expect(chain([file('a', [], 'x')], [file('a', [], 'x2')])).toEqual([
      { database: 'core', revision: 'a', path: 'v/a.py', change: 'modified', changes: ['modified'], basePath: null, baseDownRevision: null, headDownRevision: null, chain: 'v' },
    ]);
  });

  it('reports a new down_revision as re-parenting, not as an edit of what the revision does', () => {
    const [edit] = chain([file('a', [], ''), file('b', ['a'], 'x')], [file('a', [], ''), file('n', ['a'], ''), file('b', ['n'], 'x')]);
    expect(edit).toMatchObject({ revision: 'b', change: 'reparented', changes: ['reparented'], baseDownRevision: ['a'], headDownRevision: ['n'] });
  });

  it('reports deletions and renames with both paths', () => {
    expect(chain([file('a', [], 'x')], [])).toEqual([expect.objectContaining({ revision: 'a', change: 'deleted', path: 'v/a.py', basePath: 'v/a.py' })]);
    expect(chain([file('a', [], 'x')], [file('a', [], 'x', 'v/a_renamed.py')])).toEqual([
      expect.objectContaining({ revision: 'a', change: 'renamed', path: 'v/a_renamed.py', basePath: 'v/a.py' }),
    ]);
  });
});
