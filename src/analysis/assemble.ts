/**
 * The last stage: every database's outcome, and whatever stopped the analysis, into one
 * Report. The verdict is decided here, once: drift when anything drifted (even if
 * another build failed: that is said beside it), an error when nothing could be
 * compared, clean otherwise.
 */
import type { AnalysisRequest } from './request.js';
import type { DatabaseOutcome } from './database.js';
import { REPORT_SCHEMA_VERSION, type AnalysisEnvironment, type CommitRef, type Report, type ReportError } from '../report/report.js';

export interface RunFacts {
  startingPoints: CommitRef[];
  outcomes: DatabaseOutcome[];
  /** What stopped the analysis before every database was done, and clean-up failures. */
  errors: ReportError[];
  warnings: string[];
  environment: AnalysisEnvironment;
  phases: { name: string; ms: number }[];
  totalMs: number;
  /** The deadline or a dead server: then nothing found on the way is trusted. */
  overriding: ReportError | null;
}

export function assembleReport(request: AnalysisRequest, facts: RunFacts): Report {
  const outcomes = facts.overriding ? [] : facts.outcomes;
  type ListKey = { [K in keyof DatabaseOutcome]: DatabaseOutcome[K] extends unknown[] ? K : never }[keyof DatabaseOutcome];
  const all = <K extends ListKey>(key: K): DatabaseOutcome[K] => outcomes.flatMap((o) => o[key] as unknown[]) as DatabaseOutcome[K];
  const fixes = all('fixes');
  const findings = all('findings');
  const upgradeFailure = outcomes.find((o) => o.upgradeFailure)?.upgradeFailure ?? null;
  const editedMigrations = all('editedMigrations');
  const errors = facts.overriding ? [facts.overriding] : [...all('errors'), ...facts.errors];
  const scope = request.scope ?? 'full';
  const drift = findings.length > 0 || upgradeFailure !== null || (scope === 'static' && editedMigrations.length > 0);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    status: drift ? 'drift' : errors.length ? 'error' : 'clean',
    base: request.base,
    head: request.head,
    editedMigrations,
    findings,
    upgradeFailure,
    fix: fixes[0] ?? null,
    errors,
    timings: { totalMs: facts.totalMs, phases: facts.phases },
    databases: outcomes.flatMap((o) => (o.summary ? [o.summary] : [])),
    fixes,
    hazards: all('hazards'),
    breakingCode: all('breakingCode'),
    standIns: all('standIns'),
    warnings: [...facts.warnings, ...all('warnings')],
    schemaDiffs: all('schemaDiffs'),
    environment: facts.environment,
    scope,
    startingPoints: facts.startingPoints,
  };
}
