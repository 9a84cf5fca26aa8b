/**
 * The 500-revision chain the bench runs (demo/long-chain.ts): one linear history with
 * data migrations, and a feature branch that edits only revision 495 (and the models).
 * Pure: reads the generated files, runs nothing.
 */
import { describe, expect, it } from 'vitest';
import { EDITED, generateLongChain, LONG_CHAIN_VERSIONS, longChainId } from '../../demo/long-chain.js';

describe('the long chain of the bench', () => {
  const chain = generateLongChain();
  const revisions = Object.entries(chain.files).filter(([path]) => path.startsWith(`${LONG_CHAIN_VERSIONS}/`));

  it('is one linear chain of 500 revisions, each revising the one before', () => {
    expect(revisions).toHaveLength(500);
    const down = new Map(revisions.map(([, text]) => [/^revision = "(\w+)"/m.exec(text)![1], /^down_revision = (None|"(\w+)")/m.exec(text)![2] ?? null]));
    expect(down.get(longChainId(1))).toBeNull();
    for (let i = 2; i <= 500; i++) expect(down.get(longChainId(i))).toBe(longChainId(i - 1));
  });

  it('has data migrations on tables created earlier, some through op.get_bind()', () => {
    const texts = revisions.map(([, text]) => text);
    expect(texts.filter((t) => t.includes('op.execute("INSERT INTO t_')).length).toBeGreaterThan(100);
    expect(texts.filter((t) => t.includes('conn = op.get_bind()') && t.includes('UPDATE t_')).length).toBeGreaterThan(100);
    // Every table a data migration touches was created by an earlier revision.
    revisions.forEach(([, text], i) => {
      const touched = /(?:INSERT INTO|UPDATE) (t_\d\d)/.exec(text)?.[1];
      if (touched) expect(texts.slice(0, i).some((t) => t.includes(`op.create_table(\n        "${touched}"`))).toBe(true);
    });
  });

  it('edits revision 495 in place on the feature branch, and the models with it', () => {
    const edited = Object.keys(chain.edit).filter((path) => path.startsWith(LONG_CHAIN_VERSIONS));
    expect(edited).toEqual([expect.stringContaining(`/${longChainId(EDITED)}_`)]);
    expect(chain.files[edited[0]!]).toContain('sa.Column("score", sa.Integer()');
    expect(chain.edit[edited[0]!]).toContain('sa.Column("score", sa.BigInteger()');
    expect(chain.edit[edited[0]!]).toContain('sa.Column("rank", sa.Integer()');
    expect(Object.keys(chain.edit)).toHaveLength(2);
  });
});
