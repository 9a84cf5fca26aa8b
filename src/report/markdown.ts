/**
 * The pull-request comment: what a maintainer needs first at the top (what is wrong,
 * why, what breaks), then the proposed migration and its verification, then the
 * evidence. Every fact comes from the Report; this only chooses words and layout.
 */
import type { EditedMigration, Finding, Fix, Report } from '../analysis/report.js';
import { cell, codeBlock, inlineCode, link, plainText } from './escape.js';

export const STICKY_MARKER = '<!-- driftbot:sticky -->';
/** GitHub refuses comment bodies over 65,536 characters. */
const DEFAULT_MAX_LENGTH = 65_000;

export type SourceLinks = (path: string, line: number | null) => string | null;

export interface MarkdownOptions {
  links?: SourceLinks;
  maxLength?: number;
  /** Where the full evidence lives when the comment has to be cut (the check run). */
  evidenceUrl?: string;
  /** This comment replaces one that reported drift: a clean report then says the drift is resolved. */
  previousDrift?: boolean;
}

interface Cuts {
  schemaDiff: boolean;
  fixContent: boolean;
  maxRows: number;
}

export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const max = options.maxLength ?? DEFAULT_MAX_LENGTH;
  // Cut the least needed first: the schema diff, then the proposed file, then table rows.
  const attempts: Cuts[] = [
    { schemaDiff: false, fixContent: false, maxRows: Infinity },
    { schemaDiff: true, fixContent: false, maxRows: Infinity },
    { schemaDiff: true, fixContent: true, maxRows: Infinity },
    ...[200, 50, 10, 0].map((maxRows) => ({ schemaDiff: true, fixContent: true, maxRows })),
  ];
  for (const cuts of attempts) {
    const body = render(report, options, cuts);
    if (body.length <= max) return body;
  }
  return minimal(report, options);
}

function render(report: Report, options: MarkdownOptions, cuts: Cuts): string {
  const links = options.links ?? (() => null);
  const out: string[] = [STICKY_MARKER, ''];
  const base = inlineCode(report.base.ref);
  const baseSha = inlineCode(report.base.sha.slice(0, 7));

  out.push(`## driftbot · ${report.status === 'clean' && options.previousDrift ? '✅ the schema drift reported earlier is resolved' : headline(report)}`, '');
  if (report.scope === 'static') {
    out.push(
      'This pull request comes from outside the repository, so driftbot did not run its migrations or models: this is the static part, read from git. A maintainer can run the full analysis with `/driftbot check` or the `driftbot:rerun` label.',
      '',
    );
  }

  if (report.status === 'error') {
    out.push('driftbot could not analyse this branch:', '');
    for (const error of report.errors) {
      const where = [error.path && inlineCode(error.path), error.revision && `revision ${inlineCode(error.revision)}`].filter(Boolean).join(', ');
      out.push(`- ${where ? `${where}: ` : ''}`, '', indentBlock(codeBlock(error.message)), '');
    }
  }

  if (report.upgradeFailure) {
    const failure = report.upgradeFailure;
    const at = link(`${inlineCode(failure.path)}${failure.line ? ` line ${failure.line}` : ''}`, links(failure.path, failure.line));
    out.push(
      `Databases upgraded from ${base} (${baseSha}) cannot reach this branch: revision ${inlineCode(failure.revision)} (${at}) fails in database ${inlineCode(failure.database)}:`,
      '',
      codeBlock(failure.error),
      '',
    );
  }

  for (const database of report.databases) {
    const findings = report.findings.filter((f) => f.database === database.name);
    if (findings.length === 0) continue;
    const installDrift = findings.filter((f) => ['missing-on-upgraded', 'only-on-upgraded', 'differs-on-upgraded'].includes(f.difference));
    const modelDrift = findings.filter((f) => ['missing-in-migrations', 'differs-from-models'].includes(f.difference));
    const graph = findings.filter((f) => f.difference === 'revision-graph');
    if (report.databases.length > 1) out.push(`### Database ${inlineCode(database.name)}`, '');
    if (installDrift.length) {
      out.push(`**${count(installDrift.length, 'difference')}** between a fresh install of this branch and a database upgraded from ${base} (${baseSha}), in database ${inlineCode(database.name)}.`);
    }
    if (modelDrift.length) {
      out.push(`**${count(modelDrift.length, 'difference')}** between head's models and what its migrations create, in database ${inlineCode(database.name)}: a model changed with no migration.`);
    }
    for (const problem of graph) out.push(`**Revision history:** ${plainText(problem.fresh ?? problem.name)}`);
    const causes = causeSentences(report, database.name, links);
    for (const cause of causes) out.push('', `Cause: ${cause}`);
    out.push('');
    const rows = [...installDrift, ...modelDrift];
    if (rows.length) out.push(...findingsTable(rows, report, links, cuts.maxRows), '');
  }

  if (report.breakingCode.length) {
    const first = report.breakingCode[0]!;
    const places = report.breakingCode.slice(0, 10).map((b) => link(`${inlineCode(shortPath(b.path))}:${b.line}`, links(b.path, b.line)));
    out.push(
      `**What breaks:** ${inlineCode(`select(${first.model})`)} names every mapped column, so the queries at ${places.join(', ')}${report.breakingCode.length > 10 ? ` and ${report.breakingCode.length - 10} more` : ''} fail on upgraded databases with ${inlineCode(first.error)}.`,
      '',
    );
  }

  for (const fix of report.fixes) out.push(...fixSection(fix, report, cuts, options));
  if (report.fixes.length) out.push('Reply `/driftbot apply` to commit the proposed migration to this branch, or `/driftbot explain` for the full evidence.', '');

  if (report.status === 'clean' && report.scope === 'full') {
    out.push(`Fresh installs, databases upgraded from ${base} (${baseSha}) and the models agree${report.databases.length ? ` in ${report.databases.map((d) => inlineCode(d.name)).join(', ')}` : ''}.`, '');
  }

  if (report.standIns.length) {
    out.push(
      `**Stand-ins:** these modules could not be imported and were replaced by stand-ins: ${report.standIns.map((s) => inlineCode(s.module)).join(', ')}. A stand-in has no schema of its own; if a migration builds tables from one, check that part by hand.`,
      '',
    );
  }
  for (const warning of report.warnings.filter((w) => !w.startsWith('assumed: '))) out.push(`> ⚠️ ${plainText(warning)}`, '');

  const diffs = report.schemaDiffs.filter((d) => d.diff);
  if (diffs.length) {
    if (cuts.schemaDiff) {
      out.push(`<details><summary>Schema diff: upgraded → fresh</summary>`, '', `The schema diff is too long for a comment: ${link('see the check run', options.evidenceUrl)}.`, '', '</details>', '');
    } else {
      for (const diff of diffs) {
        out.push(`<details><summary>Schema diff${report.schemaDiffs.length > 1 ? ` of ${plainText(diff.database)}` : ''}: upgraded → fresh</summary>`, '', codeBlock(diffBody(diff.diff), 'diff'), '</details>', '');
      }
    }
  }

  out.push('<details><summary>How this was checked</summary>', '', howChecked(report), '', '</details>', '');
  return `${collapseBlankLines(out.join('\n')).trimEnd()}\n`;
}

/** One blank line between blocks, but code blocks (the proposed file) stay exactly as they are. */
function collapseBlankLines(markdown: string): string {
  const lines: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const opener = /^\s*(`{3,})/.exec(line)?.[1];
    if (fence === null && opener) fence = opener;
    else if (fence !== null && line.trim() === fence) fence = null;
    if (fence === null && line === '' && lines[lines.length - 1] === '') continue;
    lines.push(line);
  }
  return lines.join('\n');
}

function headline(report: Report): string {
  if (report.status === 'error') return 'could not analyse this branch';
  if (report.scope === 'static') return report.editedMigrations.length ? 'applied migrations were edited (static check)' : 'static check: no applied migration was edited';
  if (report.status === 'clean') return 'no schema drift';
  if (report.upgradeFailure) return 'upgrading existing databases to this branch fails';
  const differences = new Set(report.findings.map((f) => f.difference));
  if (['missing-on-upgraded', 'only-on-upgraded', 'differs-on-upgraded'].some((d) => differences.has(d as Finding['difference']))) {
    return 'schema drift: existing databases will not match this branch';
  }
  if (differences.has('missing-in-migrations') || differences.has('differs-from-models')) return 'models and migrations disagree';
  return 'the migration history needs attention';
}

function causeSentences(report: Report, database: string, links: SourceLinks): string[] {
  const base = inlineCode(report.base.ref);
  const sentences: string[] = [];
  const file = (edit: { path: string }) => link(`${inlineCode(fileName(edit.path))}`, links(edit.path, null));
  for (const edit of report.editedMigrations.filter((e) => e.database === database)) {
    sentences.push(editSentence(edit, file(edit), base));
  }
  const inserted = new Map<string, Finding['cause']>();
  for (const finding of report.findings) {
    if (finding.database === database && finding.cause?.kind === 'inserted-into-history') inserted.set(finding.cause.revision, finding.cause);
  }
  for (const cause of inserted.values()) {
    sentences.push(`**${file(cause!)} was inserted into history** below revisions ${base} already applied: existing databases are past that point, so Alembic never runs it there.`);
  }
  return sentences;
}

function editSentence(edit: EditedMigration, file: string, base: string): string {
  const revision = inlineCode(edit.revision);
  if (edit.changes.includes('deleted')) return `**${file} was deleted**, though ${base} had applied it: what it created stays on existing databases only.`;
  const parts: string[] = [];
  if (edit.changes.includes('modified')) {
    parts.push(`**${file} was edited after it was applied** on ${base}. Alembic tracks applied revisions by id, so a database already at ${revision} never runs the new version.`);
  }
  if (edit.changes.includes('reparented')) {
    parts.push(`**${file} was re-parented** (down_revision ${inlineCode((edit.baseDownRevision ?? []).join(', ') || 'None')} → ${inlineCode((edit.headDownRevision ?? []).join(', ') || 'None')}).`);
  }
  if (edit.changes.includes('renamed') && parts.length === 0) parts.push(`${file} was renamed from ${inlineCode(edit.basePath ?? '')} (same revision ${revision}).`);
  return parts.join(' ');
}

function findingsTable(findings: Finding[], report: Report, links: SourceLinks, maxRows: number): string[] {
  const upgradedHeader = `upgraded from ${inlineCode(report.base.ref)}`;
  const lines = [`| | object | fresh install | ${cell(upgradedHeader)} | models | |`, '|---|---|---|---|---|---|'];
  for (const finding of findings.slice(0, maxRows)) {
    const object = inlineCode(finding.table ? `${finding.table}.${finding.name}` : finding.name);
    const reference = finding.references[0];
    const models =
      finding.models === null
        ? '—'
        : `${inlineCode(finding.models)}${reference ? ` · ${reference.symbol ? `${inlineCode(reference.symbol)} ` : ''}${link(`${inlineCode(fileName(reference.path))}:${reference.line}`, links(reference.path, reference.line))}` : ''}`;
    const seenFrom = report.startingPoints.length > 1 && finding.startingPoints.length ? ` (from ${finding.startingPoints.map(inlineCode).join(', ')})` : '';
    const row = [
      finding.breaksCode ? '❌' : '⚠️',
      `${object}${finding.object !== 'column' ? ` (${finding.object})` : ''}`,
      definition(finding.fresh),
      definition(finding.upgraded),
      models,
      `${causeCell(finding, links)}${seenFrom}`,
    ];
    lines.push(`| ${row.map(cell).join(' | ')} |`);
  }
  if (findings.length > maxRows) lines.push('', `… and ${findings.length - maxRows} more differences: see the check run or \`driftbot check --format json\`.`);
  return lines;
}

function definition(value: string | null): string {
  return value === null ? '— missing' : inlineCode(value);
}

function causeCell(finding: Finding, links: SourceLinks): string {
  if (finding.difference === 'missing-in-migrations') return 'declared by the models, created by no migration';
  if (finding.difference === 'differs-from-models') return 'models declare it otherwise than the migrations create it';
  const cause = finding.cause;
  if (!cause) return '';
  const where = link(`${inlineCode(cause.revision)}${cause.line ? ` L${cause.line}` : ''}`, links(cause.path, cause.line));
  const what = { 'missing-on-upgraded': 'added', 'only-on-upgraded': 'removed', 'differs-on-upgraded': 'changed' }[finding.difference as string] ?? 'changed';
  switch (cause.kind) {
    case 'edited-in-place':
      return `${what} in place at ${where}`;
    case 'inserted-into-history':
      return `created by ${where}, inserted into history`;
    case 'reparented':
      return `${what} by re-parented ${where}`;
    case 'deleted':
      return `created by ${where}, now deleted`;
    default:
      return `${what} at ${where}`;
  }
}

function fixSection(fix: Fix, report: Report, cuts: Cuts, options: MarkdownOptions): string[] {
  const out = [`### Proposed fix: ${inlineCode(fileName(fix.path))}${report.fixes.length > 1 ? ` (database ${inlineCode(fix.database)})` : ''}`, ''];
  out.push(`A new forward migration in ${inlineCode(fix.chain)}, idempotent: a no-op on fresh installs, the repair on upgraded ones.`, '');
  if (cuts.fixContent) out.push(`The file is too long for a comment: ${link('see the check run', options.evidenceUrl)}, or run \`driftbot check\` locally.`, '');
  else out.push(codeBlock(fix.content, 'python'), '');
  const disabled = fix.steps.filter((s) => s.disabled).length;
  if (fix.verified) {
    out.push(`✅ **Verified**: applied to both databases; afterwards fresh, upgraded and models agree (0 differences).`);
  } else if (fix.verificationError) {
    out.push(`❌ **Not verified**: applying it failed:`, '', codeBlock(fix.verificationError));
  } else {
    out.push(`⚠️ **Partly verified**: applied to both databases; ${count(fix.remainingDifferences, 'difference')} remain${fix.remainingDifferences === 1 ? 's' : ''}${disabled ? `, left by the ${count(disabled, 'step')} written commented out for review` : ''}.`);
  }
  if (disabled && fix.verified) out.push('', `${count(disabled, 'step')} written commented out (destructive or narrowing): review before enabling.`);
  out.push('');
  return out;
}

function howChecked(report: Report): string {
  const chains = report.databases.flatMap((d) => d.chains.map((c) => inlineCode(shortPath(c.versions))));
  const seconds = (report.timings.totalMs / 1000).toFixed(1);
  const env = report.environment;
  return [
    `base ${inlineCode(report.base.sha.slice(0, 7))} → head ${inlineCode(report.head.sha.slice(0, 7))}`,
    chains.length ? `chains ${chains.join(' → ')}` : null,
    report.startingPoints.length > 1 ? `upgraded from ${report.startingPoints.map((p) => `${inlineCode(p.ref)} (${inlineCode(p.sha.slice(0, 7))})`).join(', ')}` : null,
    `${env.databasesBuilt} throwaway databases on PostgreSQL ${plainText(env.postgresVersion)}${env.server === 'embedded' ? ' (embedded)' : ''}`,
    `${seconds} s`,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** The comment when even the smallest form is too long: the headline and a pointer. */
function minimal(report: Report, options: MarkdownOptions): string {
  return `${STICKY_MARKER}\n\n## driftbot · ${headline(report)}\n\n${count(report.findings.length, 'difference')}: the report is too long for a comment, ${link('see the check run', options.evidenceUrl)}.\n`;
}

function diffBody(diff: string): string {
  // Drop the file headers: "upgraded" and "fresh" are already in the summary.
  return diff.split('\n').filter((line) => !/^(Index:|={5,}|--- |\+\+\+ )/.test(line)).join('\n').trim();
}

function indentBlock(text: string): string {
  return text.replace(/^/gm, '  ');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function shortPath(path: string): string {
  const parts = path.split('/');
  return parts.length > 3 ? `…/${parts.slice(-2).join('/')}` : path;
}
