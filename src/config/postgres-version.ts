/**
 * The Postgres major a commit's configuration asks for, read before the analysis
 * because the server must be started (of that major) before the analysis can run.
 */
import type { PostgresMajor } from '../postgres/versions.js';
import type { RepoFiles } from '../workspace/repo-files.js';
import { CONFIG_PATHS, ConfigError, parseConfig } from './load.js';

/**
 * `postgres.version` of `--config`'s file, or else of the commit's driftbot.yml; null
 * when not said. A file that does not parse says nothing here: the analysis reads it
 * again and reports its error, placed, in the report like any other setting's.
 */
export async function configuredPostgresVersion(files: RepoFiles, configFile: { path: string; text: string } | null): Promise<PostgresMajor | null> {
  const path = configFile?.path ?? CONFIG_PATHS.find((candidate) => files.paths.includes(candidate));
  if (!path) return null;
  const text = configFile?.text ?? (await files.read(path)) ?? '';
  try {
    return parseConfig(text, path).postgres.version;
  } catch (error) {
    if (error instanceof ConfigError) return null;
    throw error;
  }
}
