/**
 * A configuration problem, placed where the person reading it has to go and fix it:
 * `.github/driftbot.yml:7:5: databases[0].chains[0].version_tabel: unknown key`.
 */
export class ConfigError extends Error {
  constructor(
    /** The configuration file at fault; null when there is none (discovery found nothing). */
    readonly path: string | null,
    readonly line: number | null,
    readonly column: number | null,
    readonly problem: string,
  ) {
    super(located(path, line, column, problem));
    this.name = 'ConfigError';
  }
}

/** `file:line:column: problem`, with whatever part of the place is known. */
export function located(path: string | null, line: number | null, column: number | null, problem: string): string {
  if (!path) return problem;
  return `${path}${line ? `:${line}:${column ?? 1}` : ''}: ${problem}`;
}
