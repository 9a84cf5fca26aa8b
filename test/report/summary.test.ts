import { describe, expect, it } from 'vitest';
import { summarize, words } from '../../src/report/summary.js';
import { BASE, cleanReport, editedMigration, errorReport, finding, fix, HEAD, modelOnlyReport, seedReport, twoDatabaseReport, upgradeFailureReport } from './fixtures.js';

const drifted = { status: 'drift', head: BASE.sha, findings: 3 } as const;

describe('summarize: the verdict and the headline', () => {
  it('gives each kind of report its verdict, its kind of drift and one headline', () => {
    const cases = [
      [seedReport(), 'drift', 'installs', 'schema drift: existing databases will not match this branch'],
      [modelOnlyReport(), 'drift', 'models', 'models and migrations disagree'],
      [upgradeFailureReport(), 'drift', 'upgrade-fails', 'upgrading from <main> fails'],
      [
        seedReport({ findings: [finding({ object: 'revision-graph', difference: 'revision-graph', fresh: 'two heads' })] }),
        'drift',
        'history',
        'the migration history needs attention',
      ],
      [cleanReport(), 'clean', null, 'no schema drift'],
      [errorReport(), 'error', null, 'could not analyse this branch'],
      [cleanReport({ scope: 'static', editedMigrations: [editedMigration()] }), 'static', null, 'applied migrations were edited (static check)'],
      [cleanReport({ scope: 'static' }), 'static', null, 'static check: no applied migration was edited'],
      // An error in a static check is still an error: nothing was decided.
      [errorReport({ scope: 'static' }), 'error', null, 'could not analyse this branch'],
    ] as const;
    for (const [report, verdict, drift, headline] of cases) {
      const summary = summarize(report);
      expect({ verdict: summary.verdict, drift: summary.drift, headline: words(summary.headline, (name) => `<${name}>`) }).toEqual({ verdict, drift, headline });
    }
  });

  it('keeps names apart from words, so each format escapes them its own way', () => {
    const summary = summarize(upgradeFailureReport({ base: { ref: 'release/`x`', sha: BASE.sha } }));
    expect(summary.headline).toEqual(['upgrading from ', { name: 'release/`x`' }, ' fails']);
  });
});

describe('summarize: what changed since the previous comment', () => {
  it('a clean run after drift is resolved, and says so in the headline', () => {
    const summary = summarize(cleanReport(), drifted);
    expect(summary.changedSinceLast).toBe('resolved');
    expect(words(summary.headline, String)).toBe('✅ the schema drift reported earlier is resolved');
  });

  it('a clean run after an error, a clean run or a static check resolves nothing', () => {
    for (const status of ['error', 'clean', 'static'] as const) {
      const summary = summarize(cleanReport(), { status, head: BASE.sha, findings: 0 });
      expect(summary.changedSinceLast, status).not.toBe('resolved');
      expect(words(summary.headline, String)).toBe('no schema drift');
    }
  });

  it('no previous comment is a first run; a comment without readable state is unknown, and claims nothing', () => {
    expect(summarize(cleanReport()).changedSinceLast).toBe('first-run');
    expect(summarize(cleanReport(), null).changedSinceLast).toBe('first-run');
    const unknown = summarize(cleanReport(), 'unknown');
    expect(unknown.changedSinceLast).toBe('unknown');
    expect(words(unknown.headline, String)).toBe('no schema drift');
  });

  it('drift after none is new; the same findings again are the same; other counts changed', () => {
    expect(summarize(seedReport(), { status: 'clean', head: BASE.sha, findings: 0 }).changedSinceLast).toBe('new');
    expect(summarize(seedReport(), { status: 'error', head: BASE.sha, findings: 0 }).changedSinceLast).toBe('new');
    expect(summarize(seedReport(), drifted).changedSinceLast).toBe('same');
    expect(summarize(seedReport(), { ...drifted, findings: 5 }).changedSinceLast).toBe('changed');
    expect(summarize(errorReport(), { status: 'clean', head: BASE.sha, findings: 0 }).changedSinceLast).toBe('changed');
  });

  it('remembers this run for the next: verdict, head and number of findings', () => {
    expect(summarize(seedReport()).state).toEqual({ status: 'drift', head: HEAD.sha, findings: 3 });
    expect(summarize(errorReport()).state).toEqual({ status: 'error', head: HEAD.sha, findings: 0 });
  });
});

describe('summarize: groups and fixes', () => {
  it('groups findings per database in config order, split as the comment shows them', () => {
    const summary = summarize(twoDatabaseReport());
    expect(summary.severalDatabases).toBe(true);
    expect(summary.databases.map((g) => [g.name, g.install.length, g.model.length, g.graph.length, g.edits.length, g.breaking.length, g.fixes.length])).toEqual([
      ['core', 3, 0, 0, 1, 2, 1],
      ['analytics', 0, 1, 0, 0, 0, 1],
    ]);
    expect(summary.databases.map((g) => g.explainsDrift)).toEqual([true, true]);
    expect(summary.counts).toEqual({ findings: 4, errors: 0, fixes: 2, verifiedFixes: 2 });
  });

  it('leaves out databases with nothing to show, and notes which ones agree', () => {
    const summary = summarize(cleanReport());
    expect(summary.databases).toEqual([]);
    expect(summary.severalDatabases).toBe(false);
    expect(summary.cleanDatabases).toEqual(['core']);
  });

  it('an edit that changed no schema explains no drift', () => {
    const summary = summarize(cleanReport({ editedMigrations: [editedMigration()] }));
    expect(summary.databases.map((g) => [g.name, g.explainsDrift, g.clean])).toEqual([['core', false, true]]);
  });

  it('says of each fix whether it is verified, and whether it repairs installs or follows the models', () => {
    const failed = fix({ database: 'analytics', verified: false, verificationError: 'boom', remainingDifferences: 1 });
    const summary = summarize(twoDatabaseReport({ fixes: [fix(), failed] }));
    expect(summary.fixes.map((f) => [f.fix.database, f.state, f.repairsInstalls])).toEqual([
      ['core', 'verified', true],
      ['analytics', 'failed-to-apply', false],
    ]);
    expect(summarize(seedReport({ fixes: [fix({ verified: false, remainingDifferences: 2 })] })).fixes[0]!.state).toBe('differences-remain');
  });

  it('apply commits every verified fix together, none while any is not verified, and has nothing to do without fixes', () => {
    const two = twoDatabaseReport();
    expect(summarize(two).apply).toEqual({ kind: 'commit', fixes: two.fixes });
    const unverified = fix({ database: 'analytics', verified: false, remainingDifferences: 1 });
    const blocked = summarize(twoDatabaseReport({ fixes: [fix(), unverified] })).apply;
    expect(blocked.kind).toBe('blocked');
    expect(blocked.kind === 'blocked' && blocked.blocked.map((f) => f.fix)).toEqual([unverified]);
    expect(summarize(cleanReport()).apply).toEqual({ kind: 'nothing' });
  });

  it('upgraded databases are built from every starting point, or from base when none is listed', () => {
    expect(summarize(seedReport({ startingPoints: [] })).upgradedFrom).toEqual([BASE]);
    const points = [BASE, { ref: 'v1', sha: '1'.repeat(40) }];
    expect(summarize(seedReport({ startingPoints: points })).upgradedFrom).toEqual(points);
  });
});
