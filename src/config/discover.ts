/**
 * The configuration of a repository that has no driftbot.yml: one Alembic setup
 * (an alembic.ini's `script_location`, else a `versions/` folder of revision files) and
 * the model files (Python files that declare `__tablename__`). Whatever it assumes, it
 * says, so the report can tell the reader.
 */
import { posix } from 'node:path';
import type { DriftbotConfig } from './config.js';
import { ConfigError } from './load.js';
import type { RepoFiles } from '../workspace/repo-files.js';

const IGNORED_FOLDERS = /(^|\/)(\.venv|venv|env|node_modules|site-packages|\.git|\.tox|build|dist)\//;
const TEST_FILES = /(^|\/)(tests?|testing)\/|(^|\/)(test_[^/]*|[^/]*_test|conftest)\.py$/;

export async function discoverConfig(files: RepoFiles): Promise<DriftbotConfig> {
  const assumptions: string[] = [];
  const versions = await findVersionsFolder(files, assumptions);
  const modelFiles = await findModelFiles(files, versions);
  const paths = importRoots(files.paths, modelFiles);
  assumptions.push(
    modelFiles.length
      ? `${modelFiles.length} model file${modelFiles.length === 1 ? '' : 's'} (Python files that declare __tablename__), imported from ${paths.map((p) => (p === '.' ? 'the repository root' : p)).join(', ')}`
      : 'no model files found (no Python file declares __tablename__): models are not compared',
  );
  return {
    databases: [{ name: 'default', chains: [{ versions, versionTable: 'alembic_version' }], models: modelFiles }],
    python: { paths, stubMissingImports: true, executable: null },
    ignore: [],
    fix: { revision: 'auto' },
    upgradeFrom: [],
    source: 'discovered',
    assumptions,
  };
}

async function findVersionsFolder(files: RepoFiles, assumptions: string[]): Promise<string> {
  const folders = new Set(files.paths.map((p) => posix.dirname(p)));
  const inis = files.paths.filter((p) => posix.basename(p) === 'alembic.ini' && !IGNORED_FOLDERS.test(p)).sort(byDepth);
  for (const ini of inis) {
    const location = scriptLocation((await files.read(ini)) ?? '');
    if (!location) continue;
    const versions = resolveScriptLocation(location, posix.dirname(ini), folders);
    if (versions) {
      assumptions.push(`migrations in ${versions} (script_location of ${ini})${inis.length > 1 ? `; ${inis.length - 1} other alembic.ini ignored` : ''}`);
      return versions;
    }
  }
  const candidates: string[] = [];
  for (const folder of [...folders].filter((f) => posix.basename(f) === 'versions' && !IGNORED_FOLDERS.test(`${f}/`)).sort(byDepth)) {
    const revisionFile = files.paths.find((p) => posix.dirname(p) === folder && p.endsWith('.py'));
    if (revisionFile && isRevisionFile((await files.read(revisionFile)) ?? '')) candidates.push(folder);
  }
  const [first] = candidates;
  if (!first) {
    throw new ConfigError('.github/driftbot.yml', null, null, 'no Alembic migrations found (looked for alembic.ini and versions/ folders of revision files); add .github/driftbot.yml to say where they are');
  }
  assumptions.push(`migrations in ${first} (a versions folder of Alembic revisions${candidates.length > 1 ? `; ${candidates.length - 1} other such folder(s) ignored: configure them in .github/driftbot.yml` : ''})`);
  return first;
}

function scriptLocation(ini: string): string | null {
  let section = '';
  for (const raw of ini.split('\n')) {
    const line = raw.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    const setting = /^script_location\s*[=:]\s*(.+)$/.exec(line);
    if (setting && section === 'alembic') return setting[1]!.trim();
  }
  return null;
}

/**
 * `%(here)s/migrations`, `migrations`, or an absolute path that only exists inside the
 * project's container (`/app/migrations`): matched against the repository by its
 * longest suffix. Package-style `myapp:migrations` locations become folders too.
 */
function resolveScriptLocation(location: string, iniFolder: string, folders: Set<string>): string | null {
  const cleaned = location.replace(/%\(here\)s/g, iniFolder || '.').replace(/:/g, '/');
  const direct = posix.normalize(posix.isAbsolute(cleaned) ? cleaned.slice(1) : posix.join(iniFolder || '.', cleaned)).replace(/^\.\//, '');
  if (folders.has(`${direct}/versions`)) return `${direct}/versions`;
  const parts = cleaned.split('/').filter(Boolean);
  for (let start = 0; start < parts.length; start++) {
    const suffix = parts.slice(start).join('/');
    const match = [...folders].find((f) => f === `${suffix}/versions` || f.endsWith(`/${suffix}/versions`));
    if (match) return match;
  }
  return null;
}

function isRevisionFile(text: string): boolean {
  return /^revision\s*(:\s*\w+\s*)?=/m.test(text) && /^down_revision\s*(:[^=]+)?=/m.test(text);
}

async function findModelFiles(files: RepoFiles, versions: string): Promise<string[]> {
  const found: string[] = [];
  for (const path of await files.containing('__tablename__')) {
    if (!path.endsWith('.py') || path.startsWith(`${versions}/`) || IGNORED_FOLDERS.test(path) || TEST_FILES.test(path)) continue;
    if (/^\s+__tablename__\s*(:[^=]+)?=/m.test((await files.read(path)) ?? '')) found.push(path);
  }
  return found;
}

/** For each model file, the folder above its top-level package; the root always. */
function importRoots(paths: string[], modelFiles: string[]): string[] {
  const present = new Set(paths);
  const roots = new Set<string>(['.']);
  for (const file of modelFiles) {
    let folder = posix.dirname(file);
    while (folder !== '.' && present.has(`${folder}/__init__.py`)) folder = posix.dirname(folder);
    roots.add(folder);
  }
  return [...roots].sort((a, b) => (a === '.' ? 1 : b === '.' ? -1 : a.localeCompare(b)));
}

function byDepth(a: string, b: string): number {
  return a.split('/').length - b.split('/').length || a.localeCompare(b);
}
