/**
 * The `.github/driftbot.yml` that says, explicitly, what driftbot found: what discovery
 * assumed becomes settings the team can read and correct. Variable values are never
 * written (they may be secrets): only the names, in a comment.
 */
import { stringify } from 'yaml';
import type { DriftbotConfig } from '../config/config.js';

export function suggestConfig(config: DriftbotConfig): string {
  const python = {
    paths: config.python.paths,
    ...(config.python.envFiles.length ? { env_file: config.python.envFiles } : {}),
    ...(Object.keys(config.python.mounts).length ? { mounts: config.python.mounts } : {}),
  };
  const file = {
    databases: config.databases.map((database) => ({
      name: database.name,
      chains: database.chains.map((chain) => ({ versions: chain.versions, version_table: chain.versionTable })),
      models: database.models,
    })),
    python,
    ...(config.ignore.length ? { ignore: config.ignore } : {}),
    ...(config.upgradeFrom.length ? { upgrade_from: config.upgradeFrom } : {}),
    ...(config.fix.revision !== 'auto' ? { fix: { revision: config.fix.revision } } : {}),
    ...(config.postgres.version !== null ? { postgres: { version: config.postgres.version } } : {}),
  };
  const names = Object.keys(config.python.env);
  // Names are checked identifiers (schema.ts), safe in a comment.
  const envNote = names.length ? `# python.env also sets ${names.join(', ')}: add them under python.env (values not shown)\n` : '';
  return `# .github/driftbot.yml, as suggested by driftbot doctor\n${envNote}${stringify(file)}`;
}
