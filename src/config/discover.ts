/**
 * The configuration of a repository that has no driftbot.yml: one Alembic setup (an
 * alembic.ini's `script_location`, else a `versions/` folder of revision files) and the
 * model files (Python files that declare `__tablename__`). Whatever it assumes, it
 * says, so the report can tell the reader.
 */
import { posix } from 'node:path';
import type { DriftbotConfig } from './config.js';
import { ConfigError } from './error.js';
import { alembicIniSettings, resolveIniFolder, type ResolvedFolder } from './alembic-ini.js';
import type { RepoFiles } from '../workspace/repo-files.js';
import { importedModules, metadataFiles, namesMetadata, readEnvPy } from './env-py.js';

/** Virtualenvs, vendored packages and build output: never the project's own migrations or models. */
const IGNORED_FOLDERS = /(^|\/)(\.venv|venv|env|virtualenv|node_modules|site-packages|\.git|\.tox|\.nox|__pycache__|build|dist)\//;
const TEST_FILES = /(^|\/)(tests?|testing)\/|(^|\/)(test_[^/]*|[^/]*_test|conftest)\.py$/;
/** Alembic revision files assign both at module level (annotated or not). */
const REVISION = /^revision\s*(:[^=\n]+)?=/m;
const DOWN_REVISION = /^down_revision\s*(:[^=\n]+)?=/m;
/** `__tablename__ = …` inside a class body (indented), the mark of a declarative model. */
const TABLENAME = /^[ \t]+__tablename__\s*(:[^=\n]+)?=/m;
/** `@declared_attr` (or `.directive`), maybe among other decorators, over `def __tablename__(cls)`. */
const DECLARED_TABLENAME = /^[ \t]+@(\w+\.)*declared_attr\b[^\n]*\n([ \t]+@[^\n]*\n)*[ \t]+def\s+__tablename__\s*\(/m;

const NO_MIGRATIONS = 'no Alembic migrations found (looked for alembic.ini and versions/ folders); add .github/driftbot.yml';

interface AlembicSetup {
  versions: string;
  /** Why this folder: which alembic.ini, or a bare versions folder. */
  reason: string;
  /** The env.py beside the versions folder, or in script_location. */
  envPy: string;
  /** Folders the env.py's imports are looked up under, first match wins. */
  roots: string[];
}

export async function discoverConfig(files: RepoFiles): Promise<DriftbotConfig> {
  const setups = await findAlembicSetups(files);
  const [chosen, ...others] = setups;
  if (!chosen) throw new ConfigError(null, null, null, NO_MIGRATIONS);
  const assumptions = [`migrations in ${chosen.versions} (${chosen.reason})`];
  if (others.length) {
    assumptions.push(
      `${others.length} other Alembic setup${others.length === 1 ? '' : 's'} not analysed (${others.map((s) => s.versions).join(', ')}): ` +
        'the first with an alembic.ini, then the shallowest, was chosen; list them in .github/driftbot.yml to analyse them',
    );
  }
  const declaring = await findModelFiles(
    files,
    setups.map((s) => s.versions),
  );
  // env.py's imports are looked up under the ini's folder and the repository root, then
  // under the roots the declaring files need (a src/ layout, a service folder).
  const fromEnvPy = await envPyModelFiles(files, { ...chosen, roots: [...new Set([...chosen.roots, ...importRoots(files.paths, declaring)])] }, new Set(declaring));
  const modelFiles = fromEnvPy?.map((m) => m.file) ?? declaring;
  // A module env.py imports is imported under the root it was found in (`billing.models`
  // from the root even when billing/ has no __init__.py); a relative one as a package.
  const paths = fromEnvPy
    ? [
        ...new Set([
          ...fromEnvPy
            .flatMap((m) => (m.root === null ? importRoots(files.paths, [m.file]) : [m.root]))
            .filter((r) => r !== '.')
            .sort(),
          '.',
        ]),
      ]
    : importRoots(files.paths, modelFiles);
  const rootsText = paths.map((p) => (p === '.' ? 'the repository root' : p)).join(', ');
  assumptions.push(
    fromEnvPy
      ? `models: the modules ${chosen.envPy} imports for target_metadata: ${modelFiles.join(', ')}, imported from ${rootsText}`
      : modelFiles.length
        ? `${modelFiles.length} model file${modelFiles.length === 1 ? '' : 's'} (Python files that declare __tablename__), imported from ${rootsText}`
        : 'no model files found (no Python file declares __tablename__): models are not compared',
  );
  return {
    databases: [{ name: 'default', chains: [{ versions: chosen.versions, versionTable: 'alembic_version', schema: null }], models: modelFiles, install: 'migrations' }],
    python: { paths, stubMissingImports: true, env: {}, envFiles: [], mounts: {}, files: {}, requirements: null, version: null },
    ignore: [],
    fix: { revision: 'auto' },
    upgradeFrom: [],
    postgres: { version: null },
    source: 'discovered',
    assumptions,
    warnings: [],
  };
}

/** Every Alembic setup: those an alembic.ini names first (shallowest first), then bare versions folders. */
async function findAlembicSetups(files: RepoFiles): Promise<AlembicSetup[]> {
  const folders = allFolders(files.paths);
  const setups: AlembicSetup[] = [];
  const inis = files.paths.filter((p) => posix.basename(p) === 'alembic.ini' && !IGNORED_FOLDERS.test(p) && !TEST_FILES.test(p)).sort(byDepth);
  for (const ini of inis) {
    const found = iniVersionsFolder(ini, (await files.read(ini)) ?? '', folders);
    if (found && !setups.some((s) => s.versions === found.folder)) {
      setups.push({
        versions: found.folder,
        reason: found.how,
        envPy: `${found.scriptFolder}/env.py`,
        roots: [...new Set([posix.dirname(ini), posix.dirname(found.scriptFolder), '.'])],
      });
    }
  }
  for (const folder of await bareVersionsFolders(files)) {
    if (!setups.some((s) => s.versions === folder))
      setups.push({
        versions: folder,
        reason: 'a versions folder of Alembic revision files; no alembic.ini names it',
        envPy: `${posix.dirname(folder)}/env.py`,
        roots: [...new Set([posix.dirname(posix.dirname(folder)), '.'])],
      });
  }
  return setups;
}

/**
 * The versions folder an alembic.ini names, and how, in words: `version_locations` when
 * set (it overrides the default), else `<script_location>/versions`.
 */
function iniVersionsFolder(ini: string, text: string, folders: Set<string>): { folder: string; how: string; scriptFolder: string } | null {
  const { scriptLocation, versionLocations } = alembicIniSettings(text);
  const iniFolder = posix.dirname(ini);
  const [firstLocation] = versionLocations;
  let resolved: ResolvedFolder | null;
  let how: string;
  if (firstLocation) {
    resolved = resolveIniFolder(firstLocation, iniFolder, folders);
    how = `version_locations "${firstLocation}" in ${ini}${versionLocations.length > 1 ? `, the first of ${versionLocations.length}` : ''}`;
  } else if (scriptLocation) {
    resolved = resolveIniFolder(`${scriptLocation.replace(/\/+$/, '')}/versions`, iniFolder, folders);
    how = `script_location "${scriptLocation}" in ${ini}`;
  } else {
    return null;
  }
  if (!resolved) return null;
  const script = scriptLocation ? resolveIniFolder(scriptLocation.replace(/\/+$/, ''), iniFolder, folders) : null;
  const ending = resolved.matchedByEnding ? `, matched to the repository by its ending "${resolved.matchedByEnding}"` : '';
  return { folder: resolved.folder, how: `${how}${ending}`, scriptFolder: script?.folder ?? posix.dirname(resolved.folder) };
}

/** Folders named `versions` that hold at least one Alembic revision file (outside tests and virtualenvs). */
async function bareVersionsFolders(files: RepoFiles): Promise<string[]> {
  const found = new Set<string>();
  for (const path of await files.containing('down_revision')) {
    const folder = posix.dirname(path);
    if (!path.endsWith('.py') || posix.basename(folder) !== 'versions' || found.has(folder) || IGNORED_FOLDERS.test(path) || TEST_FILES.test(path)) continue;
    if (isRevisionFile((await files.read(path)) ?? '')) found.add(folder);
  }
  return [...found].sort(byDepth);
}

function isRevisionFile(text: string): boolean {
  return REVISION.test(text) && DOWN_REVISION.test(text);
}

/** Python files that declare `__tablename__`, outside migrations, tests and virtualenvs. */
async function findModelFiles(files: RepoFiles, versionsFolders: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of await files.containing('__tablename__')) {
    if (!path.endsWith('.py') || versionsFolders.some((v) => path.startsWith(`${v}/`)) || IGNORED_FOLDERS.test(path) || TEST_FILES.test(path)) continue;
    const text = (await files.read(path)) ?? '';
    if (TABLENAME.test(text) || DECLARED_TABLENAME.test(text)) found.push(path);
  }
  return found.sort();
}

/**
 * For a configured database that lists no models: the model files its chains' env.py
 * files import for target_metadata (each env.py beside its versions folder, as
 * `alembic init` lays it out), looked up under the configured import roots, the env.py's
 * own folders and the repository root. Null when none names any.
 */
export async function envPyModels(files: RepoFiles, versionsFolders: string[], paths: string[]): Promise<{ files: string[]; envPys: string[] } | null> {
  const declaring = new Set(await findModelFiles(files, versionsFolders));
  const found = new Set<string>();
  const envPys: string[] = [];
  for (const versions of versionsFolders) {
    const scriptFolder = posix.dirname(versions);
    const envPy = `${scriptFolder}/env.py`;
    const roots = [...new Set([...paths, scriptFolder, posix.dirname(scriptFolder), '.'])];
    const models = await envPyModelFiles(files, { versions, reason: '', envPy, roots }, declaring);
    if (!models) continue;
    envPys.push(envPy);
    for (const { file } of models) found.add(file);
  }
  return found.size ? { files: [...found].sort(), envPys } : null;
}

/**
 * The files env.py imports that hold models: those target_metadata is built from, and
 * those that declare tables (not a settings or logging module it also imports) — when
 * its target_metadata names models (not None); null otherwise, and the grep decides.
 */
async function envPyModelFiles(files: RepoFiles, setup: AlembicSetup, declaring: Set<string>): Promise<{ file: string; root: string | null }[] | null> {
  const text = await files.read(setup.envPy);
  if (text === null) return null;
  const facts = readEnvPy(text);
  if (!namesMetadata(facts)) return null;
  const forMetadata = new Set(metadataFiles(facts, setup.envPy, setup.roots, files.paths));
  const found = importedModules(facts, setup.envPy, setup.roots, files.paths).filter(
    ({ file }) => !file.startsWith(`${setup.versions}/`) && (forMetadata.has(file) || declaring.has(file)),
  );
  return found.length ? found.sort((a, b) => a.file.localeCompare(b.file)) : null;
}

/**
 * The import roots that let the model files be imported as the packages they are: for
 * each, walk up while the folder is a package (has `__init__.py`); the folder above the
 * top package is a root. The repository root always, last.
 */
function importRoots(paths: string[], modelFiles: string[]): string[] {
  const present = new Set(paths);
  const roots = new Set<string>();
  for (const file of modelFiles) {
    let folder = posix.dirname(file);
    while (folder !== '.' && present.has(`${folder}/__init__.py`)) folder = posix.dirname(folder);
    if (folder !== '.') roots.add(folder);
  }
  return [...[...roots].sort(), '.'];
}

/** Every folder that holds a file, at any depth. */
function allFolders(paths: string[]): Set<string> {
  const folders = new Set<string>();
  for (const path of paths) {
    for (let folder = posix.dirname(path); folder !== '.' && !folders.has(folder); folder = posix.dirname(folder)) folders.add(folder);
  }
  return folders;
}

function byDepth(a: string, b: string): number {
  return a.split('/').length - b.split('/').length || a.localeCompare(b);
}
