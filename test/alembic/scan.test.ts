/** The static scan: revisions read with ast, never executed; the graph's problems reported, not thrown. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AlembicRunner } from '../../src/alembic/bridge.js';
import { revision, startRunner, tree } from './runner-fixtures.js';

describe('scan', () => {
  let runner: AlembicRunner;
  beforeAll(async () => {
    runner = await startRunner();
  });
  afterAll(() => runner.close());

  const scan = (root: string) => runner.scan({ versions: join(root, 'versions'), root });

  it('reads identity, line and message of each revision, and orders them base → head as Alembic does', async () => {
    const root = await tree({
      'versions/0001_a.py': revision('0001', null, 'create accounts', 'pass'),
      'versions/0003_c.py': revision('0003', ['0002', '0002b'], 'merge', 'pass'),
      'versions/sub/0002_b.py': revision('0002', '0001', 'add email', 'pass'),
      'versions/sub/0002b_b.py': `"""annotated"""\nrevision: str = "0002b"\ndown_revision: str | None = "0001"\ndepends_on = ("0002",)\nbranch_labels = ("side",)\n`,
      'versions/__init__.py': '',
      'versions/__pycache__/0009_x.cpython-311.py': 'revision = "0009"\ndown_revision = "0003"\n',
    });
    const result = await scan(root);
    expect(result.problems).toEqual([]);
    expect(result.heads).toEqual(['0003']);
    expect(result.bases).toEqual(['0001']);
    expect(result.order).toEqual(['0001', '0002', '0002b', '0003']);
    expect(result.revisions.find((r) => r.revision === '0003')).toEqual({
      revision: '0003',
      downRevisions: ['0002', '0002b'],
      dependsOn: [],
      branchLabels: [],
      path: 'versions/0003_c.py',
      line: 9,
      message: 'merge',
    });
    expect(result.revisions.find((r) => r.revision === '0002b')).toMatchObject({
      downRevisions: ['0001'],
      dependsOn: ['0002'],
      branchLabels: ['side'],
      line: 2,
      message: 'annotated',
    });
  });

  it('reports two heads, a dangling parent, a duplicate id and unreadable files, without running any file', async () => {
    const marker = join(await tree({}), 'ran');
    const root = await tree({
      'versions/0001_a.py': revision('0001', null, 'a', 'pass'),
      'versions/0002_b.py': revision('0002', '0001', 'b', 'pass'),
      'versions/0003_c.py': revision('0003', '0001', 'c', 'pass'),
      'versions/0004_d.py': revision('0004', 'nowhere', 'd', 'pass'),
      'versions/0005_dup.py': revision('0002', '0001', 'dup', 'pass'),
      'versions/broken.py': 'revision = "0009"\ndef (:\n',
      'versions/latin1.py': Buffer.from('revision = "caf\xe9"\n', 'latin1'),
      'versions/no_revision.py': 'x = 1\n',
      'versions/runs_code.py': `import pathlib\npathlib.Path(${JSON.stringify(marker)}).touch()\nrevision = "0010"\ndown_revision = "0003"\n`,
    });
    const result = await scan(root);
    expect(existsSync(marker)).toBe(false);
    expect(result.revisions.map((r) => r.revision)).toEqual(['0001', '0002', '0003', '0004', '0002', '0010']);
    expect(result.heads).toEqual(['0002', '0004', '0010']);
    expect(result.problems.map((p) => [p.kind, p.path]).sort()).toEqual([
      ['dangling', 'versions/0004_d.py'],
      ['duplicate', 'versions/0005_dup.py'],
      ['multiple-heads', 'versions/runs_code.py'],
      ['unreadable', 'versions/broken.py'],
      ['unreadable', 'versions/latin1.py'],
      ['unreadable', 'versions/no_revision.py'],
    ]);
    const message = (path: string) => result.problems.find((p) => p.path === path)!.message;
    expect(message('versions/broken.py')).toMatch(/syntax error at line 2/);
    expect(message('versions/latin1.py')).toMatch(/not UTF-8/);
    expect(message('versions/0005_dup.py')).toContain('versions/0002_b.py and versions/0005_dup.py');
    expect(message('versions/0004_d.py')).toContain("'nowhere'");
  });

  it('reports two heads of an otherwise sound graph, in the order Alembic gives', async () => {
    const root = await tree({
      'versions/a.py': revision('a', null, 'a', 'pass'),
      'versions/b.py': revision('b', 'a', 'b', 'pass'),
      'versions/c.py': revision('c', 'a', 'c', 'pass'),
    });
    const result = await scan(root);
    expect(result.heads).toEqual(['b', 'c']);
    expect(result.order[0]).toBe('a');
    expect([...result.order].sort()).toEqual(['a', 'b', 'c']);
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'multiple-heads', message: expect.stringContaining('2 heads (b, c)') })]);
  });

  it('finds a cycle, and a depends_on that names nothing', async () => {
    const cycle = await scan(await tree({ 'versions/a.py': revision('a', 'b', 'a', 'pass'), 'versions/b.py': revision('b', 'a', 'b', 'pass') }));
    expect(cycle.problems).toContainEqual(expect.objectContaining({ kind: 'cycle', message: expect.stringMatching(/a → b → a|b → a → b/) }));
    const dangling = await scan(await tree({ 'versions/a.py': 'revision = "a"\ndown_revision = None\ndepends_on = "ghost"\n' }));
    expect(dangling.problems).toEqual([expect.objectContaining({ kind: 'dangling', revision: 'a', message: expect.stringContaining("depends_on 'ghost'") })]);
  });
});
