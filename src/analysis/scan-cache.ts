/**
 * The static scan of a versions folder (the runner's `scan`: every revision file parsed
 * with `ast`, the graph read by Alembic), kept in the template cache's catalog and
 * reused while nothing it reads has changed: a long chain is not parsed again on every
 * push. The key covers every input (cache-keys.ts `scanKey`): the folder as it is on
 * disk — every entry, by path and content, not what git says it should be (attributes
 * and filters may rewrite files on checkout) — and the runner's environment. A folder
 * holding anything but plain files and folders (a symlink, whose target the key would
 * not cover) is scanned every time.
 *
 * A folder that changed (a push that adds a revision) is scanned again, but each file's
 * reading is kept too (`scannedFileKey`: its path and bytes, the environment), so only
 * the files never read before are parsed; the graph is always read whole.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import type { ScannedRevision, ScanResult } from '../alembic/bridge.js';
import type { BuildTools, Tree } from './builds.js';
import { scanKey, scannedFileKey } from './cache-keys.js';

/**
 * Scans `versions` (relative to the tree) with the tree's runner, or takes the kept scan
 * of the same folder; a folder that changed is scanned parsing only the files whose
 * reading is not kept. What a new scan read is kept meanwhile, off the analysis' path
 * (keeping the first one makes the catalog): the caller awaits `kept` before it ends.
 */
export async function scanVersions(
  cache: BuildTools['cache'],
  tree: Pick<Tree, 'dir' | 'runners' | 'environmentKey'>,
  versions: string,
): Promise<{ scan: ScanResult; kept: Promise<void> }> {
  const scan = (known: Record<string, ScannedRevision> = {}) => tree.runners.use((runner) => runner.scan({ versions: join(tree.dir, versions), root: tree.dir, known }));
  const common = cache && tree.environmentKey ? { ...cache.common, environmentKey: tree.environmentKey } : null;
  const entries = common ? await folderEntries(join(tree.dir, versions)) : null;
  if (!cache || !common || !entries) return { scan: await scan(), kept: Promise.resolve() };
  const key = scanKey(common, versions, entries);
  const found = await cache.templates.findScan<ScanResult>(key);
  if (found) return { scan: found, kept: Promise.resolve() };
  // Each file by its path from the root, as the runner names it, and its bytes.
  const files = entries
    .filter((entry) => entry.includes('\0'))
    .map((entry) => {
      const [path, sha] = entry.split('\0') as [string, string];
      const fromRoot = relative(tree.dir, join(tree.dir, versions, path))
        .split(sep)
        .join(posix.sep);
      return { path: fromRoot, key: scannedFileKey(common, fromRoot, sha) };
    });
  const readings = await cache.templates.findScannedFiles<ScannedRevision>(files.map((file) => file.key));
  // A reading is of the file at its own path, or it is not this file's.
  const known = Object.fromEntries(files.flatMap((file) => (readings.get(file.key)?.path === file.path ? [[file.path, readings.get(file.key)!]] : [])));
  const result = await scan(known);
  // Only relative paths may be kept: a result naming this run's folder would not be another's.
  const keyOf = new Map(files.map((file) => [file.path, file.key]));
  const kept = JSON.stringify(result).includes(tree.dir)
    ? Promise.resolve()
    : Promise.all([
        cache.templates.keepScan(key, result),
        cache.templates.keepScannedFiles(result.revisions.flatMap((revision) => (keyOf.has(revision.path) ? [{ key: keyOf.get(revision.path)!, result: revision }] : []))),
      ]).then(() => {});
  // Awaited by the caller; never an unhandled rejection meanwhile.
  kept.catch(() => {});
  return { scan: result, kept };
}

/**
 * Every entry under `folder`, sorted: `path/` for a folder, `path\0sha256` for a file.
 * Null when the folder is missing (the scan says so), or holds a symlink or anything
 * else whose content the list would not cover. The files are read at once.
 */
export async function folderEntries(folder: string): Promise<string[] | null> {
  const root = await lstat(folder).catch(() => null);
  if (!root?.isDirectory()) return null;
  const folders: string[] = [];
  const files: string[] = [];
  const walk = async (relative: string): Promise<boolean> => {
    const entries = await readdir(join(folder, relative), { withFileTypes: true });
    const below: string[] = [];
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        folders.push(`${path}/`);
        below.push(path);
      } else if (entry.isFile()) files.push(path);
      else return false;
    }
    return (await Promise.all(below.map(walk))).every(Boolean);
  };
  if (!(await walk(''))) return null;
  // In turn (tree-files.ts says why).
  const hashed = files.map(
    (path) =>
      `${path}\0${createHash('sha256')
        .update(readFileSync(join(folder, path)))
        .digest('hex')}`,
  );
  return [...folders, ...hashed].sort();
}
