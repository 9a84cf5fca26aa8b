import type { Report } from '../analysis/report.js';

/** The contract's fields first, in the contract's order, then the extensions. */
const CONTRACT_ORDER = ['schemaVersion', 'status', 'base', 'head', 'editedMigrations', 'findings', 'upgradeFailure', 'fix', 'errors', 'timings'] as const;

export function renderJson(report: Report): string {
  const ordered: Record<string, unknown> = {};
  for (const key of CONTRACT_ORDER) ordered[key] = report[key];
  for (const [key, value] of Object.entries(report)) if (!(key in ordered)) ordered[key] = value;
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
