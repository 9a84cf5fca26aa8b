import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.js';
import { readMarker, writeMarker } from '../../src/report/marker.js';
import { finding, fix, HEAD, seedReport } from './fixtures.js';
import { inspectMarkdown } from './markdown-structure.js';

const EVIDENCE = 'https://github.com/o/r/runs/1';
const links = (path: string, line: number | null) => `https://github.com/o/r/blob/e4f5a6b/${path}${line ? `#L${line}` : ''}`;

/** A schema diff of about 200 kB. */
const hugeDiff = Array.from({ length: 5_000 }, (_, i) => `+  generated_column_with_a_long_name_${i} character varying`).join('\n');

function expectWellFormed(markdown: string): void {
  const structure = inspectMarkdown(markdown);
  expect(readMarker(markdown)).not.toBe('unknown');
  expect(structure.fencesBalanced).toBe(true);
  expect(structure.detailsBalanced).toBe(true);
  expect(structure.brokenRows).toEqual([]);
}

describe('a comment longer than maxLength', () => {
  it('cuts the schema diff first, pointing at the check run, and keeps the fix', () => {
    expect(hugeDiff.length).toBeGreaterThan(200_000);
    const md = renderMarkdown(seedReport({ schemaDiffs: [{ database: 'core', diff: hugeDiff }] }), { evidenceUrl: EVIDENCE });
    expect(md.length).toBeLessThanOrEqual(65_000);
    expect(md).not.toContain('generated_column_with_a_long_name');
    expect(md).toContain(`The full schema diff is in the check run, too long for this comment: [see the check run](${EVIDENCE})`);
    expect(md).toContain('```python\n"""reconcile session_streams');
    expect(md).toContain('| ⚠️ | `session_streams.status` |');
    expectWellFormed(md);
  });

  it('then the proposed file', () => {
    const bigFix = fix({ content: `${'# a long comment line in the proposed migration\n'.repeat(2_000)}revision = "oss000000009"\n` });
    const md = renderMarkdown(seedReport({ fix: bigFix, fixes: [bigFix], schemaDiffs: [{ database: 'core', diff: hugeDiff }] }), { evidenceUrl: EVIDENCE });
    expect(md.length).toBeLessThanOrEqual(65_000);
    expect(md).not.toContain('```python');
    expect(md).toContain(`The file is too long for this comment: [see the check run](${EVIDENCE}), or run \`driftbot check\` locally.`);
    // Its verification still shows: it is the verdict on the file.
    expect(md).toContain('✅ **Verified**');
    expect(md.match(/^\| ❌/gm)).toHaveLength(2);
    expectWellFormed(md);
  });

  it('then table rows, as many as fit, saying how many more there are', () => {
    const findings = Array.from({ length: 500 }, (_, i) =>
      finding({
        name: `column_with_a_rather_long_name_${i}`,
        cause: { revision: 'oss000000008', path: 'a/long/path/to/versions/oss000000008_add_session_streams.py', line: i + 1, kind: 'edited-in-place' },
      }),
    );
    const report = seedReport({ findings, schemaDiffs: [{ database: 'core', diff: hugeDiff }] });
    const md = renderMarkdown(report, { evidenceUrl: EVIDENCE, links });
    expect(md.length).toBeLessThanOrEqual(65_000);
    expectWellFormed(md);
    const rows = md.split('\n').filter((line) => line.startsWith('| ❌'));
    const more = /… and (\d+) more differences: \[see the check run\]\(https:\/\/github\.com\/o\/r\/runs\/1\) or run `driftbot check --format json`\./.exec(md);
    expect(more).not.toBeNull();
    expect(rows.length + Number(more![1])).toBe(500);
    // The rows kept are the first ones, in order, and the comment is nearly full: no room was wasted.
    expect(rows[0]).toContain('`session_streams.column_with_a_rather_long_name_0`');
    expect(rows.at(-1)).toContain(`\`session_streams.column_with_a_rather_long_name_${rows.length - 1}\``);
    expect(md.length).toBeGreaterThan(65_000 - 2 * rows[0]!.length);
    // What was cut is said; what a maintainer needs first is still there.
    expect(md).toContain('The full schema diff is in the check run');
    expect(md).toContain('The file is too long for this comment');
    expect(md).toContain('**500 differences**');
    expect(md).toContain('**What breaks:**');
    expect(md).toContain('<details><summary>How this was checked</summary>');
  });

  it('honours a smaller maxLength, and says where the report is when not even the headline and a few rows fit', () => {
    const findings = Array.from({ length: 50 }, (_, i) => finding({ name: `c${i}` }));
    const md = renderMarkdown(seedReport({ findings }), { maxLength: 3_000 });
    expect(md.length).toBeLessThanOrEqual(3_000);
    expectWellFormed(md);
    const tiny = renderMarkdown(seedReport({ findings }), { maxLength: 400, evidenceUrl: EVIDENCE });
    expect(tiny.length).toBeLessThanOrEqual(400);
    expect(tiny).toBe(
      `${writeMarker({ status: 'drift', head: HEAD.sha, findings: 50 })}\n\n## driftbot · schema drift: existing databases will not match this branch\n\nThe report is too long for a comment: [see the check run](${EVIDENCE}), or run \`driftbot check\` locally.\n`,
    );
  });

  it('leaves a comment that fits alone', () => {
    const report = seedReport();
    expect(renderMarkdown(report, { maxLength: 65_000 })).toBe(renderMarkdown(report));
    expect(renderMarkdown(report)).toContain('```diff');
  });
});
