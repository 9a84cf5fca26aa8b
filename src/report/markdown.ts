/**
 * The pull-request comment: what a maintainer needs first at the top (what is wrong,
 * why, what breaks), then the proposed migration and its verification, then the
 * evidence. What is true (verdict, headline, groups, fixes, what `/driftbot apply` will
 * do) is decided in ./summary.ts; this only chooses words and layout.
 * Everything the repository wrote goes through ./escape.ts.
 */
import type { BreakingCode, EditedMigration, Finding, Report } from './report.js';
import { cell, codeBlock, htmlText, inlineCode, link, plainText } from './escape.js';
import { writeMarker } from './marker.js';
import { asSummary, ruleDoc, words, type DatabaseGroup, type FixSummary, type Summary } from './summary.js';
/** GitHub refuses comment bodies over 65,536 characters. */
const DEFAULT_MAX_LENGTH = 65_000;
/** Long lists are shortened whatever the room, to stay readable: the JSON report has them all. */
const LIST_LIMIT = 10;
/** Error text beyond this is cut in the middle: a traceback's head says where, its tail says what. */
const ERROR_LIMIT = 4_000;
const WARNING_LIMIT = 1_000;

/** A repository path (and line) → its URL on the forge, or null for no link. */
export type SourceLinks = (path: string, line: number | null) => string | null;

export interface MarkdownOptions {
  links?: SourceLinks;
  /** Default 65,000 characters. */
  maxLength?: number;
  /** Where the full evidence lives when the comment has to be cut (the check run). */
  evidenceUrl?: string;
}

/** What is left out to fit, least needed first. */
interface Cuts {
  schemaDiff: boolean;
  fixContent: boolean;
  /** Rows per findings table (and revision-graph list). */
  maxRows: number;
}

interface Context {
  summary: Summary;
  report: Report;
  links: SourceLinks;
  cuts: Cuts;
  evidenceUrl: string | undefined;
}

/**
 * The pull-request comment: the hidden marker with this run's state (./marker.ts), then
 * the Markdown. This is what the sticky comment and `--format markdown` hold.
 */
export function renderMarkdown(input: Report | Summary, options: MarkdownOptions = {}): string {
  const summary = asSummary(input);
  const marker = writeMarker(summary.state);
  const body = renderMarkdownBody(summary, { ...options, maxLength: (options.maxLength ?? DEFAULT_MAX_LENGTH) - marker.length - 2 });
  return `${marker}\n\n${body}`;
}

/** The Markdown without the marker: the check run's summary, the `/driftbot explain` reply. */
export function renderMarkdownBody(input: Report | Summary, options: MarkdownOptions = {}): string {
  const summary = asSummary(input);
  const report = summary.report;
  const max = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const fitting = (cuts: Cuts) => {
    const body = render(summary, options, cuts);
    return body.length <= max ? body : null;
  };
  const whole =
    fitting({ schemaDiff: false, fixContent: false, maxRows: Infinity }) ??
    fitting({ schemaDiff: true, fixContent: false, maxRows: Infinity }) ??
    fitting({ schemaDiff: true, fixContent: true, maxRows: Infinity });
  if (whole) return whole;
  // Then as many table rows as fit: the body grows with the rows, so search for the most.
  let best: string | null = null;
  let fewest = 0;
  let most = report.findings.length;
  while (fewest <= most) {
    const rows = Math.floor((fewest + most) / 2);
    const body = fitting({ schemaDiff: true, fixContent: true, maxRows: rows });
    if (body) {
      best = body;
      fewest = rows + 1;
    } else most = rows - 1;
  }
  return best ?? minimal(summary, options);
}

function render(summary: Summary, options: MarkdownOptions, cuts: Cuts): string {
  const report = summary.report;
  const context: Context = { summary, report, links: options.links ?? (() => null), cuts, evidenceUrl: options.evidenceUrl };
  const blocks = [
    `## driftbot · ${words(summary.headline, inlineCode)}`,
    staticNote(summary),
    ...errorBlocks(context),
    ...upgradeFailureBlocks(context),
    ...summary.databases.flatMap((group) => databaseBlocks(context, group)),
    hazardsBlock(context),
    agreement(summary),
    replyHint(summary),
    standIns(report),
    ...warnings(report),
    ...schemaDiffs(context),
    howChecked(summary),
  ];
  return `${blocks.filter((block) => block !== '').join('\n\n')}\n`;
}

function staticNote(summary: Summary): string {
  if (summary.verdict !== 'static') return '';
  return 'This pull request comes from outside the repository, so driftbot did not run its migrations or models: this is the static part, read from git. A maintainer can run the full analysis with `/driftbot check` or the `driftbot:rerun` label.';
}

function errorBlocks({ report, links }: Context): string[] {
  const blocks = report.errors.slice(0, LIST_LIMIT).flatMap((error) => {
    const where = [error.path && link(inlineCode(error.path), links(error.path, null)), error.revision && `revision ${inlineCode(error.revision)}`].filter(Boolean).join(', ');
    return [where ? `${where}:` : '', codeBlock(clip(error.message, ERROR_LIMIT), 'text')];
  });
  if (report.errors.length > LIST_LIMIT) blocks.push(`… and ${count(report.errors.length - LIST_LIMIT, 'more error')}: run \`driftbot check\` to see them all.`);
  return blocks;
}

function upgradeFailureBlocks({ report, links }: Context): string[] {
  const failure = report.upgradeFailure;
  if (!failure) return [];
  const revision = inlineCode(failure.revision);
  const at = link(`${inlineCode(fileName(failure.path))}${failure.line ? ` line ${failure.line}` : ''}`, links(failure.path, failure.line));
  const from = inlineCode(failure.startingPoint ?? report.base.ref);
  const what =
    failure.build === 'upgraded'
      ? `A database upgraded from ${from} cannot reach this branch: revision ${revision} (${at}) fails`
      : `Revision ${revision} (${at}) fails while building the ${failure.build} database`;
  return [
    `${what}, in database ${inlineCode(failure.database)}:`,
    codeBlock(clip(failure.error, ERROR_LIMIT), 'text'),
    failure.build === 'upgraded' ? `Deploying this branch to an existing database would stop at ${revision}.` : '',
  ];
}

function databaseBlocks(context: Context, group: DatabaseGroup): string[] {
  const { summary } = context;
  const { install, model } = group;
  const database = inlineCode(group.name);
  const counts = [
    install.length ? `**${count(install.length, 'difference')}** between a fresh install of this branch and ${upgradedFrom(summary)}, in database ${database}.` : '',
    model.length ? `**${count(model.length, 'difference')}** between this branch's models and what its migrations create, in database ${database}.` : '',
  ];
  return [
    summary.severalDatabases ? `### Database ${database}` : '',
    counts.filter(Boolean).join('\n'),
    causes(context, group),
    graphProblems(context, group.graph),
    install.length || model.length ? findingsTable(context, [...install, ...model]) : '',
    whatBreaks(context, group.breaking),
    ...group.fixes.flatMap((fix) => fixBlocks(context, fix)),
  ];
}

function upgradedFrom(summary: Summary): string {
  const points = startingPoints(summary);
  return points.length === 1 ? `a database upgraded from ${points[0]}` : `databases upgraded from ${points.join(' or ')}`;
}

/** What upgraded databases were built from: `main` (`a1b2c3d`), and any `upgrade_from`. */
function startingPoints(summary: Summary): string[] {
  return summary.upgradedFrom.map((p) => `${inlineCode(p.ref)} (${inlineCode(p.sha.slice(0, 7))})`);
}

/** Why: the revisions git shows were edited, those inserted into history, and models without a migration. */
function causes(context: Context, group: DatabaseGroup): string {
  const { report, links } = context;
  const { findings, edits } = group;
  const base = inlineCode(report.base.ref);
  const file = (path: string) => link(inlineCode(fileName(path)), links(path, null));
  const inserted = new Map(findings.filter((f) => f.cause?.kind === 'inserted-into-history').map((f) => [f.cause!.revision, f.cause!.path]));
  const withoutMigration = findings.filter((f) => f.difference === 'missing-in-migrations' || f.cause?.kind === 'no-migration').length;
  const modelledOtherwise = findings.filter((f) => f.difference === 'differs-from-models').length;
  const sentences = [
    ...edits.slice(0, LIST_LIMIT).map((edit) => editSentence(edit, file(edit.path), base)),
    edits.length > LIST_LIMIT ? `… and ${count(edits.length - LIST_LIMIT, 'more edited revision')}.` : '',
    ...[...inserted.values()].map(
      (path) => `**${file(path)} was inserted into history** below revisions ${base} already applied: existing databases are past that point, so Alembic never runs it there.`,
    ),
    withoutMigration ? `**The models declare ${count(withoutMigration, 'object')} that no migration creates**: a model changed without its migration.` : '',
    modelledOtherwise ? `**The models declare ${count(modelledOtherwise, 'object')} otherwise than the migrations create ${modelledOtherwise === 1 ? 'it' : 'them'}.**` : '',
  ].filter(Boolean);
  if (!sentences.length) return '';
  const label = group.explainsDrift ? 'Cause' : context.summary.verdict === 'static' ? 'Seen in git' : 'Note';
  const after = !group.explainsDrift && group.clean ? ' Fresh and upgraded databases still agree: the edit changed no schema.' : '';
  return sentences.length === 1 ? `${label}: ${sentences[0]}${after}` : `${label}:\n${sentences.map((s) => `- ${s}`).join('\n')}${after ? `\n\n${after.trim()}` : ''}`;
}

function editSentence(edit: EditedMigration, file: string, base: string): string {
  const revision = inlineCode(edit.revision);
  if (edit.changes.includes('deleted')) return `**${file} was deleted**, though ${base} had applied it: what it created stays on existing databases only.`;
  const parts: string[] = [];
  if (edit.changes.includes('modified')) {
    parts.push(`**${file} was edited after it was applied** on ${base}. Alembic tracks applied revisions by id, so a database already at ${revision} never runs the new version.`);
  }
  if (edit.changes.includes('reparented')) {
    const parents = (ids: string[] | null) => inlineCode(ids?.join(', ') || 'None');
    parts.push(
      `**${file} was re-parented** (down_revision ${parents(edit.baseDownRevision)} → ${parents(edit.headDownRevision)}): databases that applied it on ${base} keep its old place in history.`,
    );
  }
  if (parts.length === 0 && edit.changes.includes('renamed')) parts.push(`${file} was renamed from ${inlineCode(edit.basePath ?? '')} (same revision ${revision}).`);
  return parts.join(' ');
}

function graphProblems({ links, cuts }: Context, graph: Finding[]): string {
  if (!graph.length) return '';
  const items = graph.slice(0, cuts.maxRows).map((problem) => {
    const where = problem.cause ? ` (${link(inlineCode(fileName(problem.cause.path)), links(problem.cause.path, problem.cause.line))})` : '';
    return `- ${plainText(problem.fresh ?? problem.name)}${where}`;
  });
  if (graph.length > cuts.maxRows) items.push(`- … and ${count(graph.length - cuts.maxRows, 'more problem')}`);
  return `**Revision history:**\n${items.join('\n')}`;
}

function findingsTable(context: Context, findings: Finding[]): string {
  const { report, cuts } = context;
  const lines = [`| | object | fresh install | ${cell(`upgraded from ${inlineCode(report.base.ref)}`)} | models | cause |`, '|---|---|---|---|---|---|'];
  for (const finding of findings.slice(0, cuts.maxRows)) lines.push(findingRow(context, finding));
  const more = findings.length - cuts.maxRows;
  if (more > 0) lines.push('', `… and ${count(more, 'more difference')}: ${link('see the check run', context.evidenceUrl)} or run \`driftbot check --format json\`.`);
  return lines.join('\n');
}

function findingRow({ report, links }: Context, finding: Finding): string {
  const object = `${inlineCode(finding.table ? `${finding.table}.${finding.name}` : finding.name)}${finding.object === 'column' ? '' : ` (${finding.object})`}`;
  const [reference, ...others] = finding.references;
  const declaredAt = reference
    ? ` · ${reference.symbol ? `${inlineCode(reference.symbol)} ` : ''}${link(`${inlineCode(fileName(reference.path))}:${reference.line}`, links(reference.path, reference.line))}${others.length ? ` +${others.length}` : ''}`
    : '';
  const seenFrom = report.startingPoints.length > 1 && finding.startingPoints.length ? ` (from ${finding.startingPoints.map(inlineCode).join(', ')})` : '';
  const cells = [
    finding.breaksCode ? '❌' : '⚠️',
    object,
    definition(finding.fresh),
    definition(finding.upgraded),
    `${definition(finding.models)}${declaredAt}`,
    `${causeCell(finding, links)}${seenFrom}`,
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

function definition(value: string | null): string {
  return value === null ? '— missing' : inlineCode(value);
}

const CHANGE_VERBS: Partial<Record<Finding['difference'], string>> = {
  'missing-on-upgraded': 'added',
  'only-on-upgraded': 'removed',
  'differs-on-upgraded': 'changed',
};

function causeCell(finding: Finding, links: SourceLinks): string {
  const cause = finding.cause;
  if (finding.difference === 'missing-in-migrations' || cause?.kind === 'no-migration') return 'declared by the models, created by no migration';
  if (!cause) return finding.difference === 'differs-from-models' ? 'the models declare it otherwise' : '';
  const where = link(`${inlineCode(cause.revision)}${cause.line ? ` L${cause.line}` : ''}`, links(cause.path, cause.line));
  if (finding.difference === 'differs-from-models') return `the models declare it otherwise than ${where}`;
  const verb = CHANGE_VERBS[finding.difference] ?? 'changed';
  switch (cause.kind) {
    case 'edited-in-place':
      return `${verb} in place at ${where}`;
    case 'inserted-into-history':
      return `created by ${where}, inserted into history`;
    case 'reparented':
      return `${verb} by re-parented ${where}`;
    case 'deleted':
      return `created by ${where}, now deleted`;
    case 'created-by':
      return `created at ${where}`;
  }
}

function whatBreaks({ report, links }: Context, breaking: BreakingCode[]): string {
  if (!breaking.length) return '';
  const items = breaking.slice(0, LIST_LIMIT).map((b) => {
    const where = link(`${inlineCode(fileName(b.path))}:${b.line}`, links(b.path, b.line));
    return `- ${where} ${inlineCode(b.code)} reads ${inlineCode(b.model)}, so it fails with ${inlineCode(b.error)}`;
  });
  if (breaking.length > LIST_LIMIT) items.push(`- … and ${count(breaking.length - LIST_LIMIT, 'more place')}`);
  return `**What breaks:** on databases upgraded from ${inlineCode(report.base.ref)}, which lack columns the models map, this branch's code fails:\n${items.join('\n')}`;
}

function fixBlocks({ summary, cuts, evidenceUrl }: Context, proposed: FixSummary): string[] {
  const { fix, disabledSteps: disabled, repairsInstalls } = proposed;
  const what = repairsInstalls ? 'a no-op on fresh installs, the repair on upgraded ones' : 'it brings every database to what the models declare';
  return [
    `### Proposed fix: ${inlineCode(fileName(fix.path))}${summary.counts.fixes > 1 ? ` (database ${inlineCode(fix.database)})` : ''}`,
    `A new forward migration after ${inlineCode(fix.downRevision)}, in ${inlineCode(directory(fix.path))}, idempotent: ${what}.`,
    cuts.fixContent ? `The file is too long for this comment: ${link('see the check run', evidenceUrl)}, or run \`driftbot check\` locally.` : codeBlock(fix.content, 'python'),
    ...verification(summary, proposed),
    disabled.length
      ? `${count(disabled.length, 'step')} ${disabled.length === 1 ? 'is' : 'are'} written commented out, because ${disabled.length === 1 ? 'it drops' : 'they drop'} or narrow${disabled.length === 1 ? 's' : ''} data: ${disabled
          .slice(0, LIST_LIMIT)
          .map((s) => inlineCode(s.entryKey))
          .join(', ')}${disabled.length > LIST_LIMIT ? ', …' : ''}. Review before enabling.`
      : '',
  ];
}

function verification(summary: Summary, { fix, state, disabledSteps }: FixSummary): string[] {
  switch (state) {
    case 'verified':
      return [
        disabledSteps.length
          ? `✅ **Verified**: ${appliedTo(summary)}; afterwards fresh, upgraded and models agree, but for what the ${count(disabledSteps.length, 'commented-out step')} would remove.`
          : `✅ **Verified**: ${appliedTo(summary)}; afterwards fresh, upgraded and models agree (0 differences).`,
      ];
    case 'failed-to-apply':
      return ['❌ **Not verified**: applying it failed:', codeBlock(clip(fix.verificationError ?? '', ERROR_LIMIT), 'text')];
    case 'differences-remain':
      return [`❌ **Not verified**: ${count(fix.remainingDifferences, 'difference')} remain${fix.remainingDifferences === 1 ? 's' : ''} after applying it.`];
  }
}

/** Verification applies a fix to the fresh build and to one upgraded build per starting point. */
function appliedTo(summary: Summary): string {
  const points = summary.upgradedFrom.map((p) => inlineCode(p.ref));
  const upgraded = points.length === 1 ? `the database upgraded from ${points[0]}` : `the ${points.length} upgraded databases (from ${points.join(', ')})`;
  return `applied to the fresh database and to ${upgraded}`;
}

/** Deployment hazards: a table of what is shown, suppressed ones only counted. */
function hazardsBlock({ summary, links, cuts }: Context): string {
  const { shown, suppressed } = summary.hazards;
  if (!shown.length && !suppressed) return '';
  const allowed = suppressed ? `${count(suppressed, 'hazard')} allowed by \`# driftbot: allow\` comments.` : '';
  const rows = shown.slice(0, Math.min(cuts.maxRows, LIST_LIMIT * 3)).map((h) => {
    const rule = link(inlineCode(h.rule), ruleDoc(h.rule));
    const where = link(`${inlineCode(h.revision)} line ${h.line}`, summary.hazards.inRepository.includes(h) ? links(h.path, h.line) : null);
    const database = summary.severalDatabases ? `${inlineCode(h.database)} ` : '';
    return `| ${h.severity === 'error' ? '❌' : '⚠️'} | ${cell(rule)} | ${cell(`${database}${where}`)} | ${cell(plainText(h.message))} |`;
  });
  const more = shown.length > rows.length ? `… and ${count(shown.length - rows.length, 'more hazard')}: the JSON report has them all.` : '';
  const table = rows.length ? ['| | rule | where | what happens in production |', '|---|---|---|---|', ...rows].join('\n') : '';
  const intro = 'What existing databases run on deploy, checked for statements that lock or fail on a production table (this does not change the verdict):';
  return ['### Deployment hazards', intro, table, more, allowed].filter(Boolean).join('\n\n');
}

function agreement(summary: Summary): string {
  const clean = summary.cleanDatabases.map(inlineCode);
  switch (summary.verdict) {
    case 'clean':
      return `Fresh installs, databases upgraded from ${startingPoints(summary).join(' or ')} and the models agree${clean.length ? ` in ${clean.join(', ')}` : ''}.`;
    case 'drift':
      return clean.length ? `Fresh installs, upgraded databases and the models agree in ${clean.join(', ')}.` : '';
    default:
      return '';
  }
}

/** What `/driftbot apply` will do (./summary.ts decides): invite it, or say why it would refuse. */
function replyHint(summary: Summary): string {
  const explain = 'Reply `/driftbot explain` for the full evidence.';
  const apply = summary.apply;
  switch (apply.kind) {
    case 'commit':
      return `Reply \`/driftbot apply\` to commit ${list(apply.fixes.map((f) => inlineCode(fileName(f.path))))} to this branch${apply.fixes.length > 1 ? ' in one commit' : ''}, or \`/driftbot explain\` for the full evidence.`;
    case 'blocked':
      return summary.counts.fixes === 1
        ? `The proposed migration is not verified, so \`/driftbot apply\` will not commit it: review it and add it by hand. ${explain}`
        : `${list(apply.blocked.map((f) => inlineCode(fileName(f.fix.path))))} ${apply.blocked.length === 1 ? 'is' : 'are'} not verified, so \`/driftbot apply\` will commit none of the proposed migrations: review them and add them by hand. ${explain}`;
    case 'nothing':
      switch (summary.verdict) {
        case 'drift':
          return explain;
        case 'error':
          return 'Fix what is named above and push, or reply `/driftbot check` to run the analysis again.';
        default:
          return '';
      }
  }
}

function standIns(report: Report): string {
  if (!report.standIns.length) return '';
  const modules = report.standIns.slice(0, LIST_LIMIT).map((s) => `${inlineCode(s.module)}${s.importedFrom ? ` (imported by ${inlineCode(s.importedFrom)})` : ''}`);
  if (report.standIns.length > LIST_LIMIT) modules.push(`… and ${report.standIns.length - LIST_LIMIT} more`);
  return `**Stand-ins:** these modules could not be imported and were replaced by stand-ins, which have no schema of their own: ${modules.join(', ')}. If a migration or model builds tables from one, check that part by hand.`;
}

/** Assumptions made while discovering the setup go in "How this was checked"; the rest stand out here. */
function warnings(report: Report): string[] {
  const shown = report.warnings.filter((w) => !isAssumption(w));
  const blocks = shown.slice(0, LIST_LIMIT).map((w) => `> ⚠️ ${plainText(clip(w, WARNING_LIMIT))}`);
  if (shown.length > LIST_LIMIT) blocks.push(`… and ${count(shown.length - LIST_LIMIT, 'more warning')}: run \`driftbot check\` to see them all.`);
  return blocks;
}

function schemaDiffs({ report, cuts, evidenceUrl }: Context): string[] {
  const diffs = report.schemaDiffs.filter((d) => d.diff);
  if (!diffs.length) return [];
  if (cuts.schemaDiff) {
    return [`The full schema diff is in the check run, too long for this comment: ${link('see the check run', evidenceUrl)}, or run \`driftbot check --format json\`.`];
  }
  const several = report.schemaDiffs.length > 1;
  return diffs.map(
    (d) => `<details><summary>Schema diff${several ? ` of ${htmlText(d.database)}` : ''}: upgraded → fresh</summary>\n\n${codeBlock(diffBody(d.diff), 'diff')}\n</details>`,
  );
}

function howChecked(summary: Summary): string {
  const report = summary.report;
  const env = report.environment;
  const chains = report.databases.map((d) => d.chains.map((c) => inlineCode(chainName(c.versions))).join(' → ') || 'none');
  const facts = [
    `base ${inlineCode(report.base.sha.slice(0, 7))} → head ${inlineCode(report.head.sha.slice(0, 7))}`,
    summary.upgradedFrom.length > 1 ? `upgraded from ${startingPoints(summary).join(', ')}` : '',
    chains.length === 1 ? `chains ${chains[0]}` : chains.length ? `chains ${report.databases.map((d, i) => `${inlineCode(d.name)}: ${chains[i]}`).join('; ')}` : '',
    report.scope === 'static'
      ? 'static check: only git and the revision files were read'
      : // The server's host stays out: the comment may be public, the host is infrastructure.
        `${count(env.databasesBuilt, 'throwaway database')} on PostgreSQL ${plainText(env.postgresVersion)}${env.server === 'embedded' ? ' (embedded)' : ''}`,
    report.scope === 'static' ? '' : env.sandboxed ? 'repository code sandboxed (bubblewrap: no network, no secrets)' : 'repository code not sandboxed',
    `${(report.timings.totalMs / 1000).toFixed(1)} s`,
  ].filter(Boolean);
  const assumptions = report.warnings.filter(isAssumption).map((w) => `- ${plainText(clip(w.slice(ASSUMED.length), WARNING_LIMIT))}`);
  const body = [facts.join(' · '), assumptions.length ? `Assumed (write them in \`.github/driftbot.yml\` to say otherwise):\n${assumptions.join('\n')}` : '']
    .filter(Boolean)
    .join('\n\n');
  return `<details><summary>How this was checked</summary>\n\n${body}\n\n</details>`;
}

/** The comment when even its smallest form is too long: the headline and a pointer. */
function minimal(summary: Summary, options: MarkdownOptions): string {
  return `## driftbot · ${words(summary.headline, inlineCode)}\n\nThe report is too long for a comment: ${link('see the check run', options.evidenceUrl)}, or run \`driftbot check\` locally.\n`;
}

const ASSUMED = 'assumed: ';

function isAssumption(warning: string): boolean {
  return warning.startsWith(ASSUMED);
}

/** Keeps the head and tail of a long text and says how much of the middle was cut. */
function clip(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const half = Math.floor(limit / 2);
  return `${text.slice(0, half)}\n… ${text.length - 2 * half} characters cut …\n${text.slice(-half)}`;
}

function diffBody(diff: string): string {
  // Drop the file headers: "upgraded" and "fresh" are already in the summary.
  return diff
    .split('\n')
    .filter((line) => !/^(Index:|={5,}|--- |\+\+\+ )/.test(line))
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

/** `a`, `a and b`, `a, b and c`. */
function list(items: string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : (items[0] ?? '');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function directory(path: string): string {
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
}

/** `api/…/migrations/core_oss/versions` → `migrations/core_oss`: the end of the path, which names the chain. */
function chainName(versions: string): string {
  const parts = versions.split('/').filter(Boolean);
  if (parts.at(-1) === 'versions' && parts.length > 1) parts.pop();
  return parts.slice(-2).join('/') || versions;
}
