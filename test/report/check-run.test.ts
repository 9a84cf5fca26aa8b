import { describe, expect, it } from 'vitest';
import { renderCheckRun } from '../../src/report/check-run.js';
import { cleanReport, errorReport, finding, seedReport, upgradeFailureReport } from './fixtures.js';

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

  it('clean succeeds, an error is neutral, a failed upgrade fails with an annotation at its line', () => {
    expect(renderCheckRun(cleanReport()).conclusion).toBe('success');
    expect(renderCheckRun(errorReport()).conclusion).toBe('neutral');
    const upgrade = renderCheckRun(upgradeFailureReport());
    expect(upgrade.conclusion).toBe('failure');
    expect(upgrade.annotations[0]).toMatchObject({ start_line: 17, annotation_level: 'failure', title: 'upgrade fails at oss000000009' });
  });
});
