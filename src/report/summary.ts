/**
 * Everything the formats decide, decided once: the verdict, the headline, how findings
 * group per database, each fix and whether `/driftbot apply` may commit it, and what
 * changed since the previous comment. Renderers read this and only choose words and
 * layout, so the comment, the check run and the terminal cannot disagree.
 */
import type { BreakingCode, CommitRef, Difference, EditedMigration, Finding, Fix, FixStep, Hazard, Report } from './report.js';
import type { PreviousState, RunState, Verdict } from './marker.js';

export type { Verdict } from './marker.js';

/** Differences between fresh and upgraded installs: existing databases drift. */
export const INSTALL_DRIFT: readonly Difference[] = ['missing-on-upgraded', 'only-on-upgraded', 'differs-on-upgraded'];
/** Differences between the models and both installs: a model changed without its migration. */
export const MODEL_DRIFT: readonly Difference[] = ['missing-in-migrations', 'differs-from-models'];

/** What kind of drift, most pressing first; null when there is none. */
export type DriftKind = 'upgrade-fails' | 'installs' | 'models' | 'history';

/** How this run compares with the one whose comment it replaces. */
export type Change =
  /** No earlier comment. */
  | 'first-run'
  /** An earlier comment whose state cannot be read (older driftbot, or edited by hand). */
  | 'unknown'
  /** The earlier run found drift, this one none. */
  | 'resolved'
  /** Drift now, where the earlier run found none (or could not tell). */
  | 'new'
  | 'same'
  | 'changed';

/** Text with names in it: each format makes the names safe its own way. */
export type Words = readonly (string | { name: string })[];

export type FixState = 'verified' | 'differences-remain' | 'failed-to-apply';

export interface FixSummary {
  fix: Fix;
  state: FixState;
  /** Steps written commented out (they drop or narrow data). */
  disabledSteps: FixStep[];
  /** Its database has install drift: a no-op on fresh installs, the repair on upgraded ones. */
  repairsInstalls: boolean;
}

/** What `/driftbot apply` does: every verified fix in one commit, or none while any is not verified. */
export type ApplyPlan = { kind: 'nothing' } | { kind: 'commit'; fixes: Fix[] } | { kind: 'blocked'; blocked: FixSummary[] };

export interface DatabaseGroup {
  name: string;
  /** Every finding of this database, in the report's order. */
  findings: Finding[];
  install: Finding[];
  model: Finding[];
  graph: Finding[];
  edits: EditedMigration[];
  breaking: BreakingCode[];
  fixes: FixSummary[];
  /** Its edits or a failed upgrade explain drift here (else they are only noted). */
  explainsDrift: boolean;
  /** Fresh, upgraded and models agree in this database. */
  clean: boolean;
}

export interface Summary {
  report: Report;
  verdict: Verdict;
  drift: DriftKind | null;
  headline: Words;
  changedSinceLast: Change;
  /** Databases with something to show, in config order, then any only the findings name. */
  databases: DatabaseGroup[];
  /** More than one database is configured or named: say which each block is about. */
  severalDatabases: boolean;
  /** Databases where fresh, upgraded and models agree. */
  cleanDatabases: string[];
  fixes: FixSummary[];
  apply: ApplyPlan;
  /** What upgraded databases were built from: base, then any `upgrade_from`. */
  upgradedFrom: CommitRef[];
  counts: { findings: number; errors: number; fixes: number; verifiedFixes: number };
  /** Deployment hazards to show (errors first), and how many a `# driftbot: allow` comment covers. They never change the verdict. */
  hazards: HazardSummary;
  /** What to remember in the comment, for the next run. */
  state: RunState;
}

export function summarize(report: Report, previous?: PreviousState | null): Summary {
  const verdict = verdictOf(report);
  const drift = verdict === 'drift' ? driftKind(report) : null;
  const fixes = report.fixes.map((fix) => fixSummary(report, fix));
  const names = databaseNames(report);
  const databases = names.map((name) => group(report, name, fixes)).filter((g) => g.findings.length || g.edits.length || g.breaking.length || g.fixes.length);
  const state: RunState = { status: verdict, head: report.head.sha, findings: report.findings.length };
  const changedSinceLast = change(state, previous ?? null);
  return {
    report,
    verdict,
    drift,
    headline: headline(report, verdict, drift, changedSinceLast),
    changedSinceLast,
    databases,
    severalDatabases: names.length > 1,
    cleanDatabases: report.databases.filter((d) => d.clean).map((d) => d.name),
    fixes,
    apply: applyPlan(fixes),
    upgradedFrom: report.startingPoints.length ? report.startingPoints : [report.base],
    counts: { findings: report.findings.length, errors: report.errors.length, fixes: fixes.length, verifiedFixes: fixes.filter((f) => f.state === 'verified').length },
    hazards: hazardSummary(report.hazards ?? [], report.fixes),
    state,
  };
}

/** The previous comment's text is words and layout, never read: only its marker's data. */
function change(now: RunState, previous: PreviousState | null): Change {
  if (previous === null) return 'first-run';
  if (previous === 'unknown') return 'unknown';
  if (now.status === 'clean' && previous.status === 'drift') return 'resolved';
  if (now.status === 'drift' && previous.status !== 'drift') return 'new';
  return now.status === previous.status && now.findings === previous.findings ? 'same' : 'changed';
}

function verdictOf(report: Report): Verdict {
  if (report.status === 'error') return 'error';
  // A static check ran nothing of the pull request: it can warn, not pass or fail it.
  if (report.scope === 'static') return 'static';
  return report.status;
}

function driftKind(report: Report): DriftKind {
  if (report.upgradeFailure) return 'upgrade-fails';
  const differences = new Set(report.findings.map((f) => f.difference));
  if (INSTALL_DRIFT.some((d) => differences.has(d))) return 'installs';
  if (MODEL_DRIFT.some((d) => differences.has(d))) return 'models';
  return 'history';
}

/** The one-line verdict every format opens with, so the comment and the terminal say the same. */
function headline(report: Report, verdict: Verdict, drift: DriftKind | null, change: Change): Words {
  switch (verdict) {
    case 'error':
      return ['could not analyse this branch'];
    case 'static':
      return [report.editedMigrations.length ? 'applied migrations were edited (static check)' : 'static check: no applied migration was edited'];
    case 'clean':
      return [change === 'resolved' ? '✅ the schema drift reported earlier is resolved' : 'no schema drift'];
    case 'drift':
      switch (drift!) {
        case 'upgrade-fails':
          return ['upgrading from ', { name: report.base.ref }, ' fails'];
        case 'installs':
          return ['schema drift: existing databases will not match this branch'];
        case 'models':
          return ['models and migrations disagree'];
        case 'history':
          return ['the migration history needs attention'];
      }
  }
}

/** Databases in config order, then any that only the findings, edits or fixes name. */
function databaseNames(report: Report): string[] {
  const others = [report.findings, report.editedMigrations, report.breakingCode, report.fixes].flatMap((items) => items.map((item) => item.database));
  return [...new Set([...report.databases.map((d) => d.name), ...others])];
}

function group(report: Report, name: string, fixes: FixSummary[]): DatabaseGroup {
  const findings = report.findings.filter((f) => f.database === name);
  return {
    name,
    findings,
    install: findings.filter((f) => INSTALL_DRIFT.includes(f.difference)),
    model: findings.filter((f) => MODEL_DRIFT.includes(f.difference)),
    graph: findings.filter((f) => f.difference === 'revision-graph'),
    edits: report.editedMigrations.filter((e) => e.database === name),
    breaking: report.breakingCode.filter((b) => b.database === name),
    fixes: fixes.filter((f) => f.fix.database === name),
    explainsDrift: findings.length > 0 || report.upgradeFailure?.database === name,
    clean: report.databases.find((d) => d.name === name)?.clean ?? false,
  };
}

export interface HazardSummary {
  /** Not suppressed, errors first. */
  shown: Hazard[];
  /** Those of `shown` in a file of the pull request: the proposed fix's file is not in the repository yet, so nothing can point at its lines. */
  inRepository: Hazard[];
  /** Allowed by a `# driftbot: allow` comment: counted, not shown (someone decided they are safe). */
  suppressed: number;
}

function hazardSummary(hazards: Hazard[], fixes: Fix[]): HazardSummary {
  const unsuppressed = hazards.filter((h) => !h.suppressed);
  const shown = [...unsuppressed.filter((h) => h.severity === 'error'), ...unsuppressed.filter((h) => h.severity !== 'error')];
  const fixPaths = new Set(fixes.map((f) => f.path));
  return { shown, inRepository: shown.filter((h) => !fixPaths.has(h.path)), suppressed: hazards.length - shown.length };
}

/**
 * Where a rule's page lives: docs/rules/<id>.md of driftbot's repository, as an absolute
 * URL because the comment and SARIF are read on the analysed repository, not driftbot's.
 */
export const RULE_DOCS_URL = 'https://github.com/driftbot/driftbot/blob/main/docs/rules/';

export function ruleDoc(rule: string): string {
  return `${RULE_DOCS_URL}${encodeURIComponent(rule)}.md`;
}

function fixSummary(report: Report, fix: Fix): FixSummary {
  const state: FixState = fix.verified ? 'verified' : fix.verificationError ? 'failed-to-apply' : 'differences-remain';
  const repairsInstalls = report.findings.some((f) => f.database === fix.database && INSTALL_DRIFT.includes(f.difference));
  return { fix, state, disabledSteps: fix.steps.filter((s) => s.disabled), repairsInstalls };
}

function applyPlan(fixes: FixSummary[]): ApplyPlan {
  if (!fixes.length) return { kind: 'nothing' };
  const blocked = fixes.filter((f) => f.state !== 'verified');
  return blocked.length ? { kind: 'blocked', blocked } : { kind: 'commit', fixes: fixes.map((f) => f.fix) };
}

/** Words as one string, each name made safe by the format's own function. */
export function words(parts: Words, name: (text: string) => string): string {
  return parts.map((part) => (typeof part === 'string' ? part : name(part.name))).join('');
}

/** Renderers take a Summary, or a Report to summarize with no previous run (the CLI, tests). */
export function asSummary(input: Report | Summary): Summary {
  return 'verdict' in input ? input : summarize(input);
}
