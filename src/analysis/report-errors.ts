/** The one place a thrown error becomes a report error: typed errors name what is at fault. */
import { ConfigError } from '../config/error.js';
import { MigrationError } from '../errors.js';
import type { ReportError } from '../report/report.js';

export function toReportError(error: unknown): ReportError {
  if (error instanceof ConfigError) return { message: error.message, path: error.path, revision: null };
  if (error instanceof MigrationError) return { message: error.message, path: error.path, revision: error.revision };
  if (error instanceof Error) return { message: error.message, path: null, revision: null };
  return { message: String(error), path: null, revision: null };
}
