/**
 * The Action's inputs (docs/contract.md §5), read as GitHub passes them to an action:
 * `INPUT_<NAME>` with the name upper-cased and its hyphens kept (`INPUT_FAIL-ON`).
 * Pure: the environment in, validated values out, or an error naming the input and
 * what to write instead. The workflow's author sets these, never the pull request.
 */
import { isAbsolute, normalize } from 'node:path';

export type FailOn = 'drift' | 'hazard' | 'never';

export interface ActionInputs {
  /** The configuration file, relative to the repository root. */
  config: string;
  /** The ref or sha databases are upgraded from; null for the pull request's base. */
  base: string | null;
  /** A Postgres server driftbot may create throwaway databases on; null for the embedded one. */
  databaseUrl: string | null;
  /** An interpreter name or path as given; null for `python3` or `python` on PATH. */
  python: string | null;
  comment: boolean;
  failOn: FailOn;
  token: string | null;
}

export const DEFAULT_CONFIG = '.github/driftbot.yml';
const FAIL_ON: FailOn[] = ['drift', 'hazard', 'never'];

export class InputError extends Error {}

export function readInputs(env: Record<string, string | undefined>): ActionInputs {
  const input = (name: string) => env[`INPUT_${name.toUpperCase()}`]?.trim() || null;

  const config = input('config') ?? DEFAULT_CONFIG;
  if (isAbsolute(config) || normalize(config).split('/')[0] === '..') {
    throw new InputError(`input "config": ${JSON.stringify(config)} is outside the repository; give a path relative to the repository root, such as ${DEFAULT_CONFIG}`);
  }

  const databaseUrl = input('database-url');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new InputError(
      'input "database-url": expected a postgres:// or postgresql:// URL (for a `services: postgres` container, postgresql://postgres:postgres@localhost:5432/postgres), or leave it empty for the embedded Postgres',
    );
  }

  const comment = input('comment') ?? 'true';
  if (comment !== 'true' && comment !== 'false') throw new InputError(`input "comment": expected true or false, not ${JSON.stringify(comment)}`);

  const failOn = (input('fail-on') ?? 'drift') as FailOn;
  if (!FAIL_ON.includes(failOn)) throw new InputError(`input "fail-on": expected one of ${FAIL_ON.join(', ')}, not ${JSON.stringify(failOn)}`);

  return { config, base: input('base'), databaseUrl, python: input('python'), comment: comment === 'true', failOn, token: input('token') ?? env.GITHUB_TOKEN ?? null };
}

/**
 * The exit code for a report's status and its unsuppressed deployment hazards: `drift`
 * fails on drift, `hazard` on drift or any hazard not suppressed in its revision. An
 * analysis that could not run fails the job unless the workflow said never.
 */
export function exitCode(status: 'clean' | 'drift' | 'error', failOn: FailOn, unsuppressedHazards = 0): number {
  if (failOn === 'never') return 0;
  if (status === 'error') return 2;
  if (status === 'drift') return 1;
  return failOn === 'hazard' && unsuppressedHazards > 0 ? 1 : 0;
}
