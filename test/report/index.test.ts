import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/index.js';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderSarif } from '../../src/report/sarif.js';
import { renderText } from '../../src/report/text.js';
import { seedReport } from './fixtures.js';

describe('renderReport', () => {
  it('dispatches each format to its renderer, passing the options on', () => {
    const report = seedReport();
    const links = (path: string) => `https://example.com/${path}`;
    expect(renderReport(report, 'markdown', { links, maxLength: 5_000 })).toBe(renderMarkdown(report, { links, maxLength: 5_000 }));
    expect(renderReport(report, 'json')).toBe(renderJson(report));
    expect(renderReport(report, 'sarif')).toBe(renderSarif(report));
    expect(renderReport(report, 'text', { color: true })).toBe(renderText(report, { color: true }));
    expect(renderReport(report, 'text')).toBe(renderText(report));
    expect(renderReport(report, 'text')).not.toBe(renderText(report, { color: true }));
  });
});
