/**
 * The one-line verdict every format opens with, so that the comment and the terminal
 * say the same thing. `name` makes a repository-given name (the base ref) safe for
 * the format at hand.
 */
import type { Difference, Report } from '../analysis/report.js';

/** Differences between fresh and upgraded installs: existing databases drift. */
export const INSTALL_DRIFT: readonly Difference[] = ['missing-on-upgraded', 'only-on-upgraded', 'differs-on-upgraded'];
/** Differences between the models and both installs: a model changed without its migration. */
export const MODEL_DRIFT: readonly Difference[] = ['missing-in-migrations', 'differs-from-models'];

export function headline(report: Report, name: (text: string) => string): string {
  if (report.status === 'error') return 'could not analyse this branch';
  if (report.scope === 'static') return report.editedMigrations.length ? 'applied migrations were edited (static check)' : 'static check: no applied migration was edited';
  if (report.status === 'clean') return 'no schema drift';
  if (report.upgradeFailure) return `upgrading from ${name(report.base.ref)} fails`;
  const differences = new Set(report.findings.map((f) => f.difference));
  if (INSTALL_DRIFT.some((d) => differences.has(d))) return 'schema drift: existing databases will not match this branch';
  if (MODEL_DRIFT.some((d) => differences.has(d))) return 'models and migrations disagree';
  return 'the migration history needs attention';
}
