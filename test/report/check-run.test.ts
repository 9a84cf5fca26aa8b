import { describe, expect, it } from 'vitest';
import { renderCheckRun } from '../../src/report/check-run.js';
import { summarize } from '../../src/report/summary.js';
import { cleanReport, errorReport, finding, seedReport, twoDatabaseReport, upgradeFailureReport } from './fixtures.js';

describe('renderCheckRun', () => {
  it('the seed: failure, the comment without its marker as summary, an annotation per caused finding', () => {
    const output = renderCheckRun(seedReport());
    expect(output.conclusion).toBe('failure');
    expect(output.title).toBe('3 schema differences · verified fix proposed');
    expect(output.summary.startsWith('## driftbot · schema drift')).toBe(true);
    expect(output.annotations.map((a) => [a.start_line, a.annotation_level])).toEqual([
      [34, 'failure'],
      [39, 'failure'],
      [43, 'warning'],
    ]);
  });

  it('stays under GitHub’s summary limit', () => {
    const findings = Array.from({ length: 2_000 }, (_, i) => finding({ name: `c${i}` }));
    expect(renderCheckRun(seedReport({ findings })).summary.length).toBeLessThanOrEqual(65_535);
  });

  it('takes a summary: a clean run after drift says so in its summary, and still succeeds', () => {
    const output = renderCheckRun(summarize(cleanReport(), { status: 'drift', head: null, findings: 3 }));
    expect(output.conclusion).toBe('success');
    expect(output.title).toBe('No schema drift');
    expect(output.summary.startsWith('## driftbot · ✅ the schema drift reported earlier is resolved\n')).toBe(true);
  });

  it('a static check is neutral, whatever it saw; two verified fixes are proposed as fixes', () => {
    expect(renderCheckRun(seedReport({ scope: 'static' }))).toMatchObject({ conclusion: 'neutral', title: 'Static check only: a maintainer can run the full analysis' });
    expect(renderCheckRun(twoDatabaseReport()).title).toBe('4 schema differences · verified fixes proposed');
  });

  it('clean succeeds, an error is neutral, a failed upgrade fails with an annotation at its line', () => {
    expect(renderCheckRun(cleanReport()).conclusion).toBe('success');
    expect(renderCheckRun(errorReport()).conclusion).toBe('neutral');
    const upgrade = renderCheckRun(upgradeFailureReport());
    expect(upgrade.conclusion).toBe('failure');
    expect(upgrade.annotations[0]).toMatchObject({ start_line: 17, annotation_level: 'failure', title: 'upgrade fails at oss000000009' });
  });
});
