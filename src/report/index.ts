/** One report, four formats: the terminal, the PR comment, the JSON contract, code scanning. */
import type { Report } from './report.js';
import { renderJson } from './json.js';
import { renderMarkdown, type MarkdownOptions } from './markdown.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';

export type ReportFormat = 'text' | 'markdown' | 'json' | 'sarif';

export function renderReport(report: Report, format: ReportFormat, options: MarkdownOptions & { color?: boolean } = {}): string {
  switch (format) {
    case 'markdown':
      return renderMarkdown(report, options);
    case 'json':
      return renderJson(report);
    case 'sarif':
      return renderSarif(report);
    case 'text':
      return renderText(report, options);
  }
}
