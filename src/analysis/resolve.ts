/**
 * Stage 1, resolve: what is being compared — head's files and configuration, and each
 * starting point upgraded databases come from (base, then `upgrade_from`) with its own
 * files and configuration. git only; nothing is checked out or run yet.
 */
import type { DriftbotConfig } from '../config/config.js';
import { CONFIG_PATHS, ConfigError, loadConfig } from '../config/load.js';
import { repoFilesAt, type RepoFiles } from '../workspace/repo-files.js';
import { startingPoints } from '../workspace/starting-points.js';
import type { AnalysisRequest } from './request.js';
import type { Timed } from './clock.js';
import type { CommitRef } from '../report/report.js';

export interface Inputs {
  headFiles: RepoFiles;
  headConfig: DriftbotConfig;
  /** Base first, then every `upgrade_from` starting point. */
  starts: StartInput[];
}

export interface StartInput {
  ref: CommitRef;
  files: RepoFiles;
  /** Its own configuration; null when it had no migrations at all (built from nothing). */
  config: DriftbotConfig | null;
}

export async function resolveInputs(request: AnalysisRequest, time: Timed): Promise<Inputs> {
  const headFiles = await time('read trees', () => repoFilesAt(request.repo, request.head.sha));
  const headConfig = await time('configuration', async () => loadConfig(headFiles, request.configFile ?? undefined));
  // The static scope reads git for base alone: a pull request's config must not make an
  // untrusted run check out any number of other commits.
  const more = request.scope === 'static' ? [] : [...headConfig.upgradeFrom, ...(request.upgradeFrom ?? [])];
  const refs = await time('starting points', () => startingPoints(request.repo, request.base, more));
  const starts = await time('read trees', () =>
    Promise.all(
      refs.map(async (ref) => {
        const files = await repoFilesAt(request.repo, ref.sha);
        return { ref, files, config: await startConfig(request, headConfig, headFiles, files) };
      }),
    ),
  );
  return { headFiles, headConfig, starts };
}

/**
 * A starting point is built with its own configuration, so a renamed version table or
 * a reordered chain shows up as the drift it causes. One without a config file is built
 * with head's (the pull request adds it); one with no migrations at all has none.
 */
async function startConfig(request: AnalysisRequest, head: DriftbotConfig, headFiles: RepoFiles, files: RepoFiles): Promise<DriftbotConfig | null> {
  if (request.configFile) return head;
  if (!hasConfigFile(files) && hasConfigFile(headFiles)) return head;
  return loadConfig(files).catch((error) => {
    if (error instanceof ConfigError && !hasConfigFile(files)) return null;
    throw error;
  });
}

function hasConfigFile(files: RepoFiles): boolean {
  return CONFIG_PATHS.some((path) => files.paths.includes(path));
}
