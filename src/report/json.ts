/**
 * The JSON report (docs/contract.md §2): the contract's fields first, in the contract's
 * order, at every level the contract describes; then the extensions, as they come.
 */
import type { Report } from './report.js';

/** Field order per object of the contract; a key path of `[]` is an array of such objects. */
const CONTRACT_ORDER = {
  report: ['schemaVersion', 'status', 'base', 'head', 'editedMigrations', 'findings', 'upgradeFailure', 'fix', 'errors', 'timings'],
  commit: ['ref', 'sha'],
  editedMigration: ['database', 'revision', 'path', 'change'],
  finding: ['database', 'object', 'table', 'name', 'fresh', 'upgraded', 'models', 'cause', 'references'],
  cause: ['revision', 'path'],
  reference: ['path', 'line'],
  failure: ['revision', 'path', 'error'],
  fix: ['revision', 'downRevision', 'path', 'content', 'statements', 'verified', 'remainingDifferences'],
  error: ['message', 'path', 'revision'],
  timings: ['totalMs'],
} as const;

export function renderJson(report: Report): string {
  const ordered = orderKeys(report, CONTRACT_ORDER.report) as Record<string, unknown>;
  ordered.base = orderKeys(report.base, CONTRACT_ORDER.commit);
  ordered.head = orderKeys(report.head, CONTRACT_ORDER.commit);
  ordered.editedMigrations = report.editedMigrations.map((e) => orderKeys(e, CONTRACT_ORDER.editedMigration));
  ordered.findings = report.findings.map((f) => {
    const finding = orderKeys(f, CONTRACT_ORDER.finding) as Record<string, unknown>;
    finding.cause = f.cause && orderKeys(f.cause, CONTRACT_ORDER.cause);
    finding.references = f.references.map((r) => orderKeys(r, CONTRACT_ORDER.reference));
    return finding;
  });
  ordered.upgradeFailure = report.upgradeFailure && orderKeys(report.upgradeFailure, CONTRACT_ORDER.failure);
  ordered.fix = report.fix && orderKeys(report.fix, CONTRACT_ORDER.fix);
  ordered.errors = report.errors.map((e) => orderKeys(e, CONTRACT_ORDER.error));
  ordered.timings = orderKeys(report.timings, CONTRACT_ORDER.timings);
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** A shallow copy with `first` keys leading, the object's other keys after them in their own order. */
function orderKeys(value: object, first: readonly string[]): Record<string, unknown> {
  const entries = Object.entries(value);
  const byKey = new Map(entries);
  const leading = first.filter((key) => byKey.has(key)).map((key) => [key, byKey.get(key)] as const);
  return Object.fromEntries([...leading, ...entries.filter(([key]) => !first.includes(key))]);
}
