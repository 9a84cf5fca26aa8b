/**
 * Hazards in every renderer, on hand-built reports: what is shown and where is decided
 * in the summary; names the pull request wrote reach Markdown escaped; the verdict is
 * the schema's, whatever the hazards.
 */
import { describe, expect, it } from 'vitest';
import type { Hazard } from '../../src/report/report.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderSarif } from '../../src/report/sarif.js';
import { renderCheckRun } from '../../src/report/check-run.js';
import { renderText } from '../../src/report/text.js';
import { summarize } from '../../src/report/summary.js';
import { cleanReport, FIX_PATH, seedReport, VERSIONS } from '../report/fixtures.js';

const PATH = `${VERSIONS}/oss000000010_index.py`;

function hazard(over: Partial<Hazard> = {}): Hazard {
  return {
    database: 'core',
    rule: 'index-not-concurrent',
    severity: 'warning',
    revision: 'oss000000010',
    path: PATH,
    line: 21,
    statement: 'CREATE INDEX ix ON t (a)',
    message: 'CREATE INDEX on t without CONCURRENTLY blocks every write to t until the index is built',
    suppressed: false,
    ...over,
  };
}

describe('hazards in the renderers', () => {
  it('the summary shows errors first, counts suppressed ones, and keeps the fix’s file out of what can be located', () => {
    const report = seedReport({
      hazards: [
        hazard(),
        hazard({ rule: 'drop-mapped-column', severity: 'error' }),
        hazard({ rule: 'set-not-null', suppressed: true }),
        hazard({ rule: 'index-not-concurrent', path: FIX_PATH, revision: 'oss000000009' }),
      ],
    });
    const { hazards } = summarize(report);
    expect(hazards.shown.map((h) => h.rule)).toEqual(['drop-mapped-column', 'index-not-concurrent', 'index-not-concurrent']);
    expect(hazards.inRepository.map((h) => h.path)).toEqual([PATH, PATH]);
    expect(hazards.suppressed).toBe(1);
    // Annotations only on the pull request's files.
    expect(
      renderCheckRun(report)
        .annotations.filter((a) => a.title.startsWith('deployment hazard'))
        .map((a) => a.path),
    ).toEqual([PATH, PATH]);
    const sarif = JSON.parse(renderSarif(report)) as { runs: { results: { ruleId: string; locations: unknown[] }[] }[] };
    const results = sarif.runs[0]!.results.filter((r) => !r.ruleId.startsWith('driftbot/'));
    expect(results.map((r) => [r.ruleId, r.locations.length])).toEqual([
      ['drop-mapped-column', 1],
      ['index-not-concurrent', 1],
      ['index-not-concurrent', 0],
    ]);
  });

  it('hazards never change the verdict', () => {
    const report = cleanReport({ hazards: [hazard({ severity: 'error', rule: 'drop-mapped-column' })] });
    expect(summarize(report).verdict).toBe('clean');
    expect(renderCheckRun(report).conclusion).toBe('success');
  });

  it('escapes what the pull request named, in Markdown and on the terminal', () => {
    const hostile = hazard({ message: 'CREATE INDEX on x|y @admin <img src=x> blocks writes', revision: 'r`|1' });
    const markdown = renderMarkdown(cleanReport({ hazards: [hostile] }));
    const row = markdown.split('\n').find((line) => line.includes('index-not-concurrent'))!;
    expect(row).not.toContain('@admin');
    expect(row).not.toContain('<img');
    // Four cells: the pipe in the name and in the revision split none.
    expect(row.replace(/\\\|/g, '').split('|').length).toBe(6);
    expect(renderText(cleanReport({ hazards: [hazard({ message: 'x\u001b[31mred' })] }))).not.toContain('\u001b[31m');
  });

  it('says nothing about hazards when there are none', () => {
    expect(renderMarkdown(cleanReport())).not.toContain('Deployment hazards');
    expect(renderText(cleanReport())).not.toContain('deployment hazards');
  });
});
