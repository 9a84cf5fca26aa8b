/**
 * The check run's output: a title, a summary (the same Markdown as the comment, with
 * room for all of it) and annotations on the migration lines that caused each finding.
 */
import type { Report } from '../analysis/report.js';
import { renderMarkdown, type MarkdownOptions } from './markdown.js';

export interface CheckRunOutput {
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  summary: string;
  annotations: Annotation[];
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
}

/** GitHub's limit for a check run's summary. */
const SUMMARY_LIMIT = 65_535;

export function renderCheckRun(report: Report, options: MarkdownOptions = {}): CheckRunOutput {
  // A static check ran nothing of the pull request: it can warn, not pass or fail it.
  const conclusion = report.scope === 'static' || report.status === 'error' ? 'neutral' : report.status === 'clean' ? 'success' : 'failure';
  const title = report.scope === 'static'
    ? 'Static check only: a maintainer can run the full analysis'
    : report.status === 'clean'
      ? 'No schema drift'
      : report.status === 'error'
        ? `Could not analyse: ${report.errors[0]?.message.split('\n')[0]?.slice(0, 120) ?? 'error'}`
        : report.upgradeFailure
          ? `Upgrading existing databases fails at ${report.upgradeFailure.revision}`
          : `${report.findings.length} schema difference${report.findings.length === 1 ? '' : 's'}${report.fix?.verified ? ' · verified fix proposed' : ''}`;
  const summary = renderMarkdown(report, { ...options, maxLength: SUMMARY_LIMIT }).replace(/^<!-- driftbot:sticky -->\n+/, '');
  const annotations: Annotation[] = report.findings
    .filter((f) => f.cause?.line)
    .map((f) => ({
      path: f.cause!.path,
      start_line: f.cause!.line!,
      end_line: f.cause!.line!,
      annotation_level: f.breaksCode ? 'failure' : 'warning',
      title: `${f.table ? `${f.table}.` : ''}${f.name}: ${f.difference.replace(/-/g, ' ')}`,
      message: `fresh install: ${f.fresh ?? 'missing'}\nupgraded from ${report.base.ref}: ${f.upgraded ?? 'missing'}\nmodels: ${f.models ?? 'not modelled'}\n${f.cause!.kind.replace(/-/g, ' ')} (${f.cause!.revision})`,
    }));
  if (report.upgradeFailure?.line) {
    const failure = report.upgradeFailure;
    annotations.unshift({ path: failure.path, start_line: failure.line!, end_line: failure.line!, annotation_level: 'failure', title: `upgrade fails at ${failure.revision}`, message: failure.error });
  }
  return { conclusion, title: title.slice(0, 255), summary, annotations };
}
