/**
 * The Postgres major versions driftbot can build on. Rules differ between majors (what
 * a migration may do, how a default or a constraint reads back), so the analysis must
 * run on production's major: an embedded server of each is bundled (package.json).
 */
export const POSTGRES_MAJORS = [14, 15, 16, 17] as const;
export type PostgresMajor = (typeof POSTGRES_MAJORS)[number];

/** The embedded server's major when neither the configuration nor the command line names one. */
export const DEFAULT_POSTGRES_MAJOR: PostgresMajor = 17;

/** `17.10` or `14.23 (Debian 14.23-1)`, as `SHOW server_version` prints it → 17 or 14; NaN for anything else. */
export function majorOf(serverVersion: string): number {
  const match = /^(\d+)/.exec(serverVersion.trim());
  return match ? Number(match[1]) : Number.NaN;
}
