/**
 * The check run's output: a title, a summary (the same Markdown as the comment, with
 * room for all of it) and annotations on the migration lines that caused each finding.
 */
import type { Report } from './report.js';
import { renderMarkdownBody, type MarkdownOptions } from './markdown.js';
import { asSummary, type Summary, type Verdict } from './summary.js';

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

/** A static check ran nothing of the pull request, an error decided nothing: they warn, not pass or fail it. */
const CONCLUSIONS: Record<Verdict, CheckRunOutput['conclusion']> = { clean: 'success', drift: 'failure', error: 'neutral', static: 'neutral' };

export function renderCheckRun(input: Report | Summary, options: MarkdownOptions = {}): CheckRunOutput {
  const facts = asSummary(input);
  const report = facts.report;
  const summary = renderMarkdownBody(facts, { ...options, maxLength: SUMMARY_LIMIT });
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
  annotations.push(
    ...facts.hazards.inRepository.map((h) => ({
      path: h.path,
      start_line: h.line,
      end_line: h.line,
      annotation_level: 'warning' as const,
      title: `deployment hazard: ${h.rule}`,
      message: `${h.message}\n${h.statement}`,
    })),
  );
  if (report.upgradeFailure?.line) {
    const failure = report.upgradeFailure;
    annotations.unshift({
      path: failure.path,
      start_line: failure.line!,
      end_line: failure.line!,
      annotation_level: 'failure',
      title: `upgrade fails at ${failure.revision}`,
      message: failure.error,
    });
  }
  return { conclusion: CONCLUSIONS[facts.verdict], title: title(facts).slice(0, 255), summary, annotations };
}

function title({ verdict, drift, report, counts, apply }: Summary): string {
  switch (verdict) {
    case 'static':
      return 'Static check only: a maintainer can run the full analysis';
    case 'clean':
      return 'No schema drift';
    case 'error':
      return `Could not analyse: ${report.errors[0]?.message.split('\n')[0]?.slice(0, 120) ?? 'error'}`;
    case 'drift':
      return drift === 'upgrade-fails'
        ? `Upgrading existing databases fails at ${report.upgradeFailure?.revision}`
        : `${counts.findings} schema difference${counts.findings === 1 ? '' : 's'}${apply.kind === 'commit' ? ` · verified fix${apply.fixes.length === 1 ? '' : 'es'} proposed` : ''}`;
  }
}
