/**
 * The report for a terminal: one line per finding, then the fix. Colour only on a
 * TTY; control characters from the repository are stripped so that no file or error
 * message can move the cursor or clear the screen.
 */
import type { Finding, Report } from '../analysis/report.js';

const STYLES = { red: [31, 39], green: [32, 39], yellow: [33, 39], bold: [1, 22], dim: [2, 22] } as const;
type Style = keyof typeof STYLES;

function styleText(style: Style, text: string): string {
  const [open, close] = STYLES[style];
  return `\x1b[${open}m${text}\x1b[${close}m`;
}

export function renderText(report: Report, options: { color?: boolean } = {}): string {
  const paint = (style: Style, text: string) => (options.color ? styleText(style, text) : text);
  const out: string[] = [];
  const base = `${safe(report.base.ref)} (${report.base.sha.slice(0, 7)})`;
  const head = `${safe(report.head.ref)} (${report.head.sha.slice(0, 7)})`;
  const title =
    report.status === 'clean' ? paint('green', 'no schema drift') : report.status === 'error' ? paint('red', 'could not analyse') : paint('red', 'schema drift');
  out.push(`driftbot: ${title} · ${head} against ${base}`);

  for (const error of report.errors) {
    out.push(paint('red', `error${error.path ? ` in ${safe(error.path)}` : ''}${error.revision ? ` (revision ${safe(error.revision)})` : ''}:`), indent(safe(error.message, true)));
  }
  if (report.upgradeFailure) {
    const f = report.upgradeFailure;
    out.push(paint('red', `upgrading ${safe(report.base.ref)} to this branch fails at ${safe(f.revision)} (${safe(f.path)}${f.line ? `:${f.line}` : ''}):`), indent(safe(f.error, true)));
  }
  for (const edit of report.editedMigrations) {
    out.push(`${paint('yellow', edit.changes.join(', '))}: ${safe(edit.revision)} ${safe(edit.path)} (applied on ${safe(report.base.ref)})`);
  }
  if (report.findings.length) out.push('');
  for (const finding of report.findings) out.push(findingLine(finding, paint));
  for (const broken of report.breakingCode) {
    out.push(`${paint('red', 'breaks')}: ${safe(broken.path)}:${broken.line}  ${safe(broken.code)}  → ${safe(broken.error)}`);
  }
  for (const standIn of report.standIns) out.push(`${paint('yellow', 'stand-in')}: ${safe(standIn.module)}${standIn.importedFrom ? ` (imported by ${safe(standIn.importedFrom)})` : ''}`);
  for (const warning of report.warnings) out.push(paint('dim', safe(warning)));

  if (report.status === 'clean' && report.scope === 'full') {
    out.push(`fresh installs, databases upgraded from ${safe(report.base.ref)} and the models agree in ${report.databases.map((d) => safe(d.name)).join(', ')}`);
  }
  for (const fix of report.fixes) {
    const verdict = fix.verified
      ? paint('green', 'verified: every build matches after it (0 differences)')
      : fix.verificationError
        ? paint('red', `not verified: ${safe(fix.verificationError)}`)
        : paint('yellow', `partly verified: ${fix.remainingDifferences} difference(s) remain`);
    out.push('', `${paint('bold', 'proposed fix')}: ${safe(fix.path)} (revision ${safe(fix.revision)}, after ${safe(fix.downRevision)}) · ${verdict}`, '', safe(fix.content, true).trimEnd());
  }
  out.push('', paint('dim', `${report.environment.databasesBuilt} throwaway databases on PostgreSQL ${safe(report.environment.postgresVersion)} (${safe(report.environment.server)}) · ${(report.timings.totalMs / 1000).toFixed(1)} s`));
  return `${out.join('\n')}\n`;
}

function findingLine(finding: Finding, paint: (style: Style, text: string) => string): string {
  const icon = finding.breaksCode ? paint('red', '✗') : paint('yellow', '!');
  const name = finding.table ? `${finding.table}.${finding.name}` : finding.name;
  const show = (value: string | null) => (value === null ? paint('dim', 'missing') : safe(value));
  const cause = finding.cause ? `  (${safe(finding.cause.revision)} ${finding.cause.kind.replace(/-/g, ' ')}${finding.cause.line ? `, L${finding.cause.line}` : ''})` : '';
  if (finding.object === 'revision-graph') return `${icon} ${paint('bold', 'revision graph')}: ${safe(finding.fresh ?? finding.name)}`;
  return `${icon} ${paint('bold', safe(name))} [${finding.object}]  fresh: ${show(finding.fresh)}  upgraded: ${show(finding.upgraded)}  models: ${show(finding.models)}${cause}`;
}

/** Strips terminal control characters (newlines kept only where asked). */
function safe(text: string, keepNewlines = false): string {
  const stripped = text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b./g, '');
  return keepNewlines ? stripped.replace(/[\x00-\x09\x0b-\x1f\x7f]/g, '') : stripped.replace(/[\x00-\x1f\x7f]/g, ' ');
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}
