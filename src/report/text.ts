/**
 * The report for a terminal: the verdict, one line per finding, the edited revisions,
 * the code that breaks, then the proposed fix and the file itself. Every fact comes
 * from the Report; everything the repository wrote goes through `terminalText`.
 */
import type { Cause, Finding, Report } from './report.js';
import { asSummary, words, type FixSummary, type Summary } from './summary.js';
import { styled, terminalText, type Style } from './terminal.js';

type Paint = (style: Style, text: string) => string;

export function renderText(input: Report | Summary, options: { color?: boolean } = {}): string {
  const summary = asSummary(input);
  const report = summary.report;
  const paint: Paint = options.color ? styled : (_style, text) => text;
  const safe = (text: string) => terminalText(text);
  const block = (text: string) => indent(terminalText(text, { keepNewlines: true }).trimEnd());
  const base = `${safe(report.base.ref)} (${report.base.sha.slice(0, 7)})`;
  const head = `${safe(report.head.ref)} (${report.head.sha.slice(0, 7)})`;
  const verdict = words(summary.headline, safe);
  const out = [`driftbot: ${paint(summary.verdict === 'clean' ? 'green' : 'red', paint('bold', verdict))}`, paint('dim', `${head} against ${base}`)];

  for (const error of report.errors) {
    const where = [error.path ? `in ${safe(error.path)}` : '', error.revision ? `(revision ${safe(error.revision)})` : ''].filter(Boolean).join(' ');
    out.push('', paint('red', `error${where ? ` ${where}` : ''}:`), block(error.message));
  }
  const failure = report.upgradeFailure;
  if (failure) {
    const at = `${safe(failure.path)}${failure.line ? `:${failure.line}` : ''}`;
    const building = failure.build === 'upgraded' ? `upgrading from ${safe(failure.startingPoint ?? report.base.ref)}` : `building the ${failure.build} database`;
    out.push('', paint('red', `revision ${safe(failure.revision)} (${at}) fails in database ${safe(failure.database)}, ${building}:`), block(failure.error));
  }

  const withFindings = summary.databases.filter((group) => group.findings.length);
  if (withFindings.length) out.push('');
  for (const group of withFindings) {
    if (withFindings.length > 1) out.push(paint('bold', `database ${safe(group.name)}`));
    out.push(...group.findings.map((finding) => findingLine(finding, paint, summary.upgradedFrom.length > 1)));
  }

  if (report.editedMigrations.length) out.push('');
  for (const edit of report.editedMigrations) {
    const from = edit.basePath ? ` (was ${safe(edit.basePath)})` : '';
    out.push(`${paint('yellow', 'edited')} ${safe(edit.revision)} ${safe(edit.path)}${from}: ${edit.changes.join(', ')} after ${safe(report.base.ref)} applied it`);
  }
  if (report.breakingCode.length) out.push('');
  for (const broken of report.breakingCode) {
    out.push(`${paint('red', 'breaks')} ${safe(broken.path)}:${broken.line}  ${safe(broken.code)}  → ${safe(broken.error)}`);
  }
  if (summary.hazards.shown.length || summary.hazards.suppressed) out.push('', paint('bold', 'deployment hazards'));
  for (const h of summary.hazards.shown) {
    out.push(`${paint(h.severity === 'error' ? 'red' : 'yellow', h.rule)} ${safe(h.path)}:${h.line} (${safe(h.revision)}): ${safe(h.message)}`);
  }
  if (summary.hazards.suppressed) out.push(paint('dim', `${summary.hazards.suppressed} allowed by "# driftbot: allow" comments`));
  for (const standIn of report.standIns) {
    out.push(`${paint('yellow', 'stand-in')} ${safe(standIn.module)}${standIn.importedFrom ? ` (imported by ${safe(standIn.importedFrom)})` : ''}`);
  }
  for (const warning of report.warnings) out.push(paint('yellow', `warning: ${safe(warning)}`));

  if (summary.verdict === 'clean') {
    out.push('', `fresh installs, databases upgraded from ${base} and the models agree in ${report.databases.map((d) => safe(d.name)).join(', ')}`);
  }
  for (const fix of summary.fixes) out.push('', ...fixLines(fix, paint, safe));

  const env = report.environment;
  const ran =
    report.scope === 'static'
      ? 'static check: only git and the revision files were read'
      : `${env.databasesBuilt} throwaway databases on PostgreSQL ${safe(env.postgresVersion)} (${safe(env.server)})`;
  out.push('', paint('dim', `${ran} · ${(report.timings.totalMs / 1000).toFixed(1)} s`));
  return `${out.join('\n')}\n`;
}

const CAUSES: Record<Exclude<Cause['kind'], 'created-by'>, string> = {
  'edited-in-place': 'edited in place',
  'inserted-into-history': 'inserted into history',
  reparented: 're-parented',
  deleted: 'deleted',
  'no-migration': 'no migration',
};

/** `oss000000008 edited in place`, or `created by oss000000003` when nothing went wrong with the revision itself. */
function causeText(cause: Cause): string {
  const revision = terminalText(cause.revision);
  return cause.kind === 'created-by' ? `created by ${revision}` : `${revision} ${CAUSES[cause.kind]}`;
}

/** `❌ session_streams.tags  fresh: jsonb  upgraded: missing  models: jsonb  (oss000000008 edited in place, L34)` */
function findingLine(finding: Finding, paint: Paint, showStartingPoints: boolean): string {
  const icon = finding.breaksCode ? '❌' : '⚠️';
  const safe = (text: string) => terminalText(text);
  const cause = finding.cause ? `  (${causeText(finding.cause)}${finding.cause.line ? `, L${finding.cause.line}` : ''})` : '';
  if (finding.difference === 'revision-graph') return `${icon} ${paint('bold', 'revision graph')}: ${safe(finding.fresh ?? finding.name)}${cause}`;
  const name = `${safe(finding.table ? `${finding.table}.${finding.name}` : finding.name)}${finding.object === 'column' ? '' : ` (${finding.object})`}`;
  const show = (value: string | null) => (value === null ? paint('dim', 'missing') : safe(value));
  const from = showStartingPoints && finding.startingPoints.length ? `  from ${finding.startingPoints.map(safe).join(', ')}` : '';
  return `${icon} ${paint('bold', name)}  fresh: ${show(finding.fresh)}  upgraded: ${show(finding.upgraded)}  models: ${show(finding.models)}${cause}${from}`;
}

const FIX_VERDICTS: Record<FixSummary['state'], (fix: FixSummary['fix'], safe: (text: string) => string) => [Style, string]> = {
  verified: (fix) => {
    const held = fix.steps.filter((s) => s.disabled).length;
    return [
      'green',
      held
        ? `✅ verified: fresh, upgraded and models agree after it, but for what its ${held} commented-out step${held === 1 ? '' : 's'} would remove`
        : '✅ verified: fresh, upgraded and models agree after it (0 differences)',
    ];
  },
  'failed-to-apply': (fix, safe) => ['red', `❌ not verified: applying it failed: ${safe(fix.verificationError ?? '')}`],
  'differences-remain': (fix) => ['red', `❌ not verified: ${fix.remainingDifferences} difference${fix.remainingDifferences === 1 ? '' : 's'} remain after it`],
};

function fixLines({ fix, state, disabledSteps }: FixSummary, paint: Paint, safe: (text: string) => string): string[] {
  const verdict = paint(...FIX_VERDICTS[state](fix, safe));
  const disabled = disabledSteps.length;
  return [
    `${paint('bold', 'proposed fix')} ${safe(fix.path)} (revision ${safe(fix.revision)}, after ${safe(fix.downRevision)})`,
    verdict,
    ...(disabled ? [paint('yellow', `${disabled} step${disabled === 1 ? '' : 's'} written commented out (drops or narrows data): review before enabling`)] : []),
    '',
    terminalText(fix.content, { keepNewlines: true }).trimEnd(),
  ];
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}
