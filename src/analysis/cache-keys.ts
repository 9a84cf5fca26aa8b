/**
 * The keys of cached builds (postgres/template-cache.ts): a hash of everything that
 * decides what a build contains, so that a template is found only by an analysis that
 * would have built exactly it. Pure: inputs in, hex strings out.
 *
 * Every key holds the common part (the repository, the Python environment — interpreter,
 * its installed packages, driftbot's runner —, the Postgres version) and the tree's
 * identity: every file of the tree the builds may read (import roots, settings files,
 * mounted folders, model files) by its git blob id, except revision files, which are
 * counted in the order they are applied; plus the settings that reach the code
 * (`python.env` and `env_file`s as written, `{root}` unresolved; mounts; import roots;
 * stand-ins; the files `python.files` writes). A history's key adds, revision by revision, each chain's folder, version
 * table, and the revision's id, path and text: one key per revision, so that a history
 * cached up to some revision is found by a longer one that starts the same.
 */
import { createHash } from 'node:crypto';
import type { ChainConfig } from '../config/config.js';
import type { RevisionFile } from './edited-migrations.js';

export interface CacheCommon {
  repository: string;
  /** The Python environment's identity (alembic/environment-key.ts). */
  environmentKey: string;
  postgresVersion: string;
}

/** What a tree contributes, as checked out (prepare.ts). */
export interface TreeIdentity {
  /** Repository path → git blob id, for every file written into the tree. */
  blobs: ReadonlyMap<string, string>;
  /** The settings that reach the code, as written in the configuration (canonical JSON). */
  settings: string;
}

/** Where a history stands after one revision: after `revision` of chain `chain` (`complete` when it is that chain's last to apply). */
export interface HistoryStep {
  key: string;
  chain: number;
  revision: string;
}

function hash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(`${part.length}:${part}`);
  return h.digest('hex');
}

/** The tree's files and settings, revision files left out (they are counted in order, per build). */
export function treeKey(common: CacheCommon, tree: TreeIdentity, revisionPaths: ReadonlySet<string>): string {
  const files = [...tree.blobs.entries()]
    .filter(([path]) => !revisionPaths.has(path))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, blob]) => `${path}\0${blob}`)
    .join('\n');
  return hash('driftbot-tree-1', common.repository, common.environmentKey, common.postgresVersion, tree.settings, files);
}

/**
 * One key per revision of a history: `chains` applied in order, each chain's `files`
 * in the order they are applied (the last chain's possibly only up to some revision).
 */
export function historySteps(tree: string, chains: { config: ChainConfig; files: RevisionFile[] }[]): HistoryStep[] {
  const steps: HistoryStep[] = [];
  let key = hash('driftbot-history-1', tree);
  for (const [index, chain] of chains.entries()) {
    for (const file of chain.files) {
      key = hash(key, String(index), chain.config.versions, chain.config.versionTable, file.revision, file.path, file.content);
      steps.push({ key, chain: index, revision: file.revision });
    }
  }
  return steps;
}

/**
 * The models build: the tree (model files included; the versions folders of every
 * database left out, since the build neither imports nor searches them), the files
 * imported, the extensions copied from the fresh install first, and the chains' schemas
 * (where tables no model places go). Version 3: both of those changed what a key covers.
 */
export function modelsKey(tree: string, modelFiles: string[], extensions: { name: string; schema: string }[], chainSchemas: string[] = []): string {
  return hash('driftbot-models-3', tree, JSON.stringify([...modelFiles].sort()), JSON.stringify(extensions), JSON.stringify(chainSchemas));
}

/**
 * A versions folder's static scan: the runner's environment (its alembic reads the
 * graph; its own files are in the environment's key), the folder as the scan names it,
 * and every entry under it on disk — path and a hash of its bytes — as listed by
 * scan-cache.ts.
 */
export function scanKey(common: CacheCommon, versions: string, entries: string[]): string {
  return hash('driftbot-scan-1', common.repository, common.environmentKey, versions, ...entries);
}

/**
 * One revision file's reading in a scan (its id, parents, labels, line, message): the
 * environment (its Python parses it), the file's path from the tree's root (the reading
 * names it) and a hash of its bytes. A folder one file changed in is read again without
 * parsing the others.
 */
export function scannedFileKey(common: CacheCommon, path: string, sha256: string): string {
  return hash('driftbot-scanned-file-1', common.repository, common.environmentKey, path, sha256);
}
