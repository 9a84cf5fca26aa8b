/** Where head's history departs from base's: pure, on hand-built chains. */
import { describe, expect, it } from 'vitest';
import type { ScanResult } from '../../src/alembic/bridge.js';
import { sharedHistory, sharesAllOfBase, type ChainHistory } from '../../src/analysis/shared-history.js';

function chain(versions: string, base: string[], head: string[], edited: string[] = []): ChainHistory {
  const scan = (order: string[]): ScanResult => ({ revisions: [], heads: order.slice(-1), bases: order.slice(0, 1), order, problems: [] });
  const file = (revision: string, side: 'base' | 'head') => ({
    revision,
    downRevisions: [],
    path: `${versions}/${revision}.py`,
    content: side === 'head' && edited.includes(revision) ? `edited ${revision}` : revision,
  });
  const config = { versions, versionTable: `${versions}_version`, schema: null };
  return { config, baseConfig: config, head: scan(head), base: scan(base), headFiles: head.map((r) => file(r, 'head')), baseFiles: base.map((r) => file(r, 'base')) };
}

describe('sharedHistory', () => {
  it('a pull request that appends revisions shares all of base’s', () => {
    expect(sharedHistory([chain('a', ['1', '2', '3'], ['1', '2', '3', '4'])])).toEqual({ wholeChains: 0, upTo: '3' });
  });

  it('stops before the first revision edited in place', () => {
    expect(sharedHistory([chain('a', ['1', '2', '3'], ['1', '2', '3'], ['2'])])).toEqual({ wholeChains: 0, upTo: '1' });
  });

  it('stops before a revision inserted into history', () => {
    expect(sharedHistory([chain('a', ['1', '2', '3'], ['1', '1b', '2', '3'])])).toEqual({ wholeChains: 0, upTo: '1' });
  });

  it('shares whole chains before the one that departs', () => {
    expect(sharedHistory([chain('a', ['1', '2'], ['1', '2']), chain('b', ['x', 'y'], ['x', 'y'], ['x'])])).toEqual({ wholeChains: 1, upTo: null });
  });

  it('shares nothing when the very first revision differs, or when a graph has problems', () => {
    expect(sharedHistory([chain('a', ['1', '2'], ['1', '2'], ['1'])])).toBeNull();
    const broken = chain('a', ['1', '2'], ['1', '2', '3']);
    broken.head.problems.push({ kind: 'multiple-heads', message: 'two heads' });
    expect(sharedHistory([broken])).toBeNull();
  });

  it('shares nothing of a chain whose version table changed', () => {
    const moved = chain('a', ['1', '2'], ['1', '2', '3']);
    moved.baseConfig = { ...moved.config, versionTable: 'renamed' };
    expect(sharedHistory([moved])).toBeNull();
  });
});

describe('sharesAllOfBase', () => {
  const of = (chains: ChainHistory[]) => {
    const shared = sharedHistory(chains);
    return shared !== null && sharesAllOfBase({ shared, chains });
  };

  it('head only adds revisions to the last chain, or changes none: all of base is shared', () => {
    expect(of([chain('a', ['1', '2'], ['1', '2', '3'])])).toBe(true);
    expect(of([chain('a', ['1', '2'], ['1', '2'])])).toBe(true);
    expect(of([chain('a', ['1'], ['1']), chain('b', ['x'], ['x', 'y'])])).toBe(true);
  });

  it('an edit, an insertion, or revisions added to a chain before the last: base has more than the shared part', () => {
    expect(of([chain('a', ['1', '2'], ['1', '2'], ['2'])])).toBe(false);
    expect(of([chain('a', ['1', '2'], ['1', '1b', '2'])])).toBe(false);
    expect(of([chain('a', ['1'], ['1', '2']), chain('b', ['x'], ['x'])])).toBe(false);
  });
});
