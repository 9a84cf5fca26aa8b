/**
 * Which of a commit's files say what the project's Python code needs, and how they are
 * installed: a pyproject.toml with the uv.lock or poetry.lock beside it (or the
 * requirements*.txt beside it), requirements files on their own. Read from git, never
 * run. Everything here comes from the pull request, so whatever would choose where
 * packages come from (an index, find-links, a path outside the repository) is refused
 * here, before anything is installed.
 */
import { posix } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from '../config/error.js';
import type { RepoFiles } from '../workspace/repo-files.js';
import { leftOutForSources, normalizeName, requirementName } from './outside-sources.js';

/** One way of installing, run in the project's folder (repository-relative). */
export type InstallStep =
  /** `uv sync --frozen`: the lock's pins, every group and extra, the project itself left out. */
  | { kind: 'uv-lock'; folder: string }
  /** poetry.lock's pins, each exactly, with no resolution of our own. */
  | { kind: 'poetry-lock'; folder: string; requirements: string[] }
  /** A pyproject.toml with no lock: its dependencies, every group and extra, resolved now. */
  | { kind: 'pyproject'; folder: string; groups: string[]; extras: string[] }
  /** requirements files (`-r`/`-c` includes are followed by the installer). */
  | { kind: 'requirements'; folder: string; file: string };

export interface DependencySet {
  /** Every file the environment is made from, repository-relative, includes too: the cache key. */
  files: { path: string; text: string }[];
  steps: InstallStep[];
  /** Folders and files inside the repository that are installed from the checkout. */
  pathDependencies: string[];
  requiresPython: { specifier: string; from: string } | null;
  /** How the files were chosen: `python.requirements`, or what discovery assumed. */
  chosenBy: string;
  /** Groups and extras not installed, and why (outside-sources.ts): warnings of the report. */
  leftOut: string[];
}

const REQUIREMENTS = /^requirements[^/]*\.(txt|in)$/;
/** Options a requirements file could use to choose where packages come from. */
const INDEX_OPTION = /^\s*(-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host|--no-index|--index)\b/;
const INCLUDE = /^\s*(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)/;
/** A requirement that is a local path: `./pkg`, `../sdk`, `-e ./pkg`, `file:…`. */
const PATH_REQUIREMENT = /^\s*(?:(?:-e|--editable)\s*=?\s*)?(\.{1,2}\/\S*|\.{1,2}$|file:\S+|\/\S+)/;

/**
 * The dependency set of one commit: `requirements` as configured (null = discover beside
 * the import roots and the migrations). Null when there is nothing to install, so
 * projects without dependency files keep driftbot's own environment.
 */
export async function readDependencySet(files: RepoFiles, requirements: string[] | null, discoverIn: string[], configPath: string, index: string): Promise<DependencySet | null> {
  const configured = requirements !== null;
  const entries = configured ? requirements : discover(files.paths, discoverIn);
  if (entries.length === 0) return null;
  const set: DependencySet = {
    files: [],
    steps: [],
    pathDependencies: [],
    requiresPython: null,
    leftOut: [],
    chosenBy: configured ? `python.requirements in ${configPath}` : `found ${entries.join(', ')} (set python.requirements to choose others, or [] for none)`,
  };
  const read = async (path: string, why: string): Promise<string> => {
    const text = await files.read(path);
    if (text === null) throw new ConfigError(configured ? configPath : null, null, null, `python.requirements: ${why} "${path}" does not exist in this commit`);
    if (!set.files.some((f) => f.path === path)) set.files.push({ path, text });
    return text;
  };
  for (const entry of entries) {
    const base = posix.basename(entry);
    if (REQUIREMENTS.test(base)) {
      await readRequirements(files, entry, set, read, index);
      set.steps.push({ kind: 'requirements', folder: posix.dirname(entry), file: base });
      continue;
    }
    const folder = base === 'pyproject.toml' || base === 'uv.lock' || base === 'poetry.lock' ? posix.dirname(entry) : entry;
    await readProject(files, folder, set, read, index);
  }
  set.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  set.pathDependencies = [...new Set(set.pathDependencies)].sort();
  return set.steps.length > 0 ? set : null;
}

/**
 * The first folder among the import roots, the folders above each versions folder and the
 * repository root that has a pyproject.toml (with dependencies or a lock) or requirements
 * files: a pyproject.toml kept only for tool settings installs nothing.
 */
function discover(paths: string[], folders: string[]): string[] {
  const present = new Set(paths);
  for (const folder of folders) {
    const inFolder = (name: string) => (folder === '.' ? name : `${folder}/${name}`);
    if (present.has(inFolder('pyproject.toml'))) return [inFolder('pyproject.toml')];
    const requirements = paths.filter((p) => posix.dirname(p) === folder && REQUIREMENTS.test(posix.basename(p)) && p.endsWith('.txt')).sort();
    if (requirements.length) return requirements;
  }
  return [];
}

/** Candidate folders for discovery, nearest first: import roots, each versions folder's parents, the root. */
export function discoveryFolders(pythonPaths: string[], versionsFolders: string[]): string[] {
  const parents = versionsFolders.flatMap((versions) => {
    const out: string[] = [];
    for (let folder = posix.dirname(versions); folder !== '.' && folder !== '/'; folder = posix.dirname(folder)) out.push(folder);
    return out;
  });
  return [...new Set([...pythonPaths.filter((p) => p !== ''), ...parents, '.'])];
}

type Read = (path: string, why: string) => Promise<string>;

async function readProject(files: RepoFiles, folder: string, set: DependencySet, read: Read, index: string): Promise<void> {
  const at = (name: string) => (folder === '.' ? name : `${folder}/${name}`);
  const pyprojectPath = at('pyproject.toml');
  const pyprojectText = await read(pyprojectPath, 'file');
  const pyproject = toml(pyprojectText, pyprojectPath) as Pyproject;
  refuseProjectIndexes(pyproject, pyprojectPath);
  const requiresPython = pyproject.project?.['requires-python'];
  if (typeof requiresPython === 'string' && !set.requiresPython) set.requiresPython = { specifier: requiresPython, from: pyprojectPath };
  // A source outside the repository is refused where the project's own dependencies need
  // it, and leaves out the groups and extras that do.
  const required = new Set((pyproject.project?.dependencies ?? []).filter((d): d is string => typeof d === 'string').map(requirementName));
  const outside = new Map<string, string>();
  for (const [name, source] of Object.entries(pyproject.tool?.uv?.sources ?? {})) {
    for (const one of Array.isArray(source) ? source : [source]) {
      if (typeof one?.path !== 'string') continue;
      const where = `${pyprojectPath}: [tool.uv.sources] ${name}`;
      const missing = isOutside(folder, one.path) ? 'outside the repository' : absent(files.paths, posix.normalize(posix.join(folder, one.path))) ? 'not in this commit' : null;
      if (missing && !required.has(normalizeName(name))) outside.set(normalizeName(name), `"${one.path}", ${missing}`);
      else set.pathDependencies.push(insideRepository(folder, one.path, where));
    }
  }
  const optional = pyproject.project?.['optional-dependencies'] ?? {};
  const allGroups = pyproject['dependency-groups'] ?? {};
  const left = leftOutForSources(outside, optional, allGroups, pyprojectPath);
  if (left.note) set.leftOut.push(left.note);
  if (files.paths.includes(at('uv.lock'))) {
    const lockPath = at('uv.lock');
    readUvLock(toml(await read(lockPath, 'file'), lockPath) as UvLock, lockPath, folder, set, index);
    set.steps.push({ kind: 'uv-lock', folder });
    return;
  }
  if (files.paths.includes(at('poetry.lock'))) {
    const lockPath = at('poetry.lock');
    const requirements = poetryRequirements(toml(await read(lockPath, 'file'), lockPath) as PoetryLock, lockPath, folder, set, index);
    set.steps.push({ kind: 'poetry-lock', folder, requirements });
    return;
  }
  const beside = files.paths.filter((p) => posix.dirname(p) === folder && REQUIREMENTS.test(posix.basename(p)) && p.endsWith('.txt')).sort();
  if (beside.length) {
    for (const path of beside) {
      await readRequirements(files, path, set, read, index);
      set.steps.push({ kind: 'requirements', folder, file: posix.basename(path) });
    }
    return;
  }
  const groups = Object.keys(allGroups).filter((group) => !left.groups.includes(group));
  const extras = Object.keys(optional).filter((extra) => !left.extras.includes(extra));
  if ((pyproject.project?.dependencies?.length ?? 0) + groups.length + extras.length > 0) set.steps.push({ kind: 'pyproject', folder, groups, extras });
}

interface Pyproject {
  project?: { 'requires-python'?: unknown; dependencies?: unknown[]; 'optional-dependencies'?: Record<string, unknown> };
  'dependency-groups'?: Record<string, unknown>;
  tool?: {
    uv?: {
      index?: unknown;
      'index-url'?: unknown;
      'extra-index-url'?: unknown;
      'find-links'?: unknown;
      sources?: Record<string, { path?: unknown; index?: unknown } | { path?: unknown; index?: unknown }[]>;
    };
    poetry?: { source?: unknown };
    pdm?: { source?: unknown };
  };
}

function refuseProjectIndexes(pyproject: Pyproject, path: string): void {
  const uv = pyproject.tool?.uv;
  const keys = [
    ...(['index', 'index-url', 'extra-index-url', 'find-links'] as const).filter((key) => uv?.[key] !== undefined).map((key) => `[tool.uv] ${key}`),
    ...Object.entries(uv?.sources ?? {})
      .filter(([, source]) => (Array.isArray(source) ? source : [source]).some((one) => one?.index !== undefined))
      .map(([name]) => `[tool.uv.sources] ${name} = { index = … }`),
    ...(pyproject.tool?.poetry?.source !== undefined ? ['[[tool.poetry.source]]'] : []),
    ...(pyproject.tool?.pdm?.source !== undefined ? ['[[tool.pdm.source]]'] : []),
  ];
  if (keys.length) throw indexRefusal(path, keys.join(', '));
}

export function indexRefusal(where: string, what: string): ConfigError {
  const [, path, line] = /^(.*?)(?::(\d+))?$/.exec(where) ?? [];
  return new ConfigError(
    path ?? where,
    line ? Number(line) : null,
    null,
    `${what}: a repository does not choose where driftbot downloads packages from (its index is set by whoever runs driftbot, DRIFTBOT_PACKAGE_INDEX); ` +
      'remove it, or set python.requirements in .github/driftbot.yml to files that need only that index, or [] to install nothing',
  );
}

interface UvLockSource {
  registry?: string;
  directory?: string;
  editable?: string;
  path?: string;
  virtual?: string;
}
interface UvLock {
  package?: { name?: string; source?: UvLockSource }[];
}

function readUvLock(lock: UvLock, lockPath: string, folder: string, set: DependencySet, index: string): void {
  for (const pkg of lock.package ?? []) {
    const source = pkg.source ?? {};
    if (source.registry !== undefined && !sameIndex(source.registry, index)) throw indexRefusal(lockPath, `package ${pkg.name} from ${source.registry}`);
    for (const local of [source.directory, source.editable, source.path]) {
      if (typeof local === 'string' && local !== '.') set.pathDependencies.push(insideRepository(folder, local, `${lockPath}: package ${pkg.name}`));
    }
  }
}

interface PoetryLock {
  package?: {
    name?: string;
    version?: string;
    markers?: string | Record<string, string>;
    source?: { type?: string; url?: string; reference?: string; resolved_reference?: string };
  }[];
}

/** One exact requirement per locked package, under its markers; all groups and extras. */
function poetryRequirements(lock: PoetryLock, lockPath: string, folder: string, set: DependencySet, index: string): string[] {
  return (lock.package ?? []).map((pkg) => {
    const name = String(pkg.name ?? '');
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new ConfigError(lockPath, null, null, `package name ${JSON.stringify(name).slice(0, 60)} is not a Python package name`);
    const markers = typeof pkg.markers === 'string' ? pkg.markers : pkg.markers ? [...new Set(Object.values(pkg.markers))].map((m) => `(${m})`).join(' or ') : '';
    const source = pkg.source;
    let requirement: string;
    if (!source || source.type === undefined) requirement = `${name}==${pkg.version}`;
    else if (source.type === 'directory' || source.type === 'file') requirement = insideRepository(folder, String(source.url), `${lockPath}: package ${name}`);
    else if (source.type === 'git') requirement = `${name} @ git+${source.url}@${source.resolved_reference ?? source.reference}`;
    else if (source.type === 'legacy' && sameIndex(String(source.url), index)) requirement = `${name}==${pkg.version}`;
    else throw indexRefusal(lockPath, `package ${name} from ${source.type} ${source.url}`);
    if (source?.type === 'directory' || source?.type === 'file') {
      set.pathDependencies.push(requirement);
      // Relative to the folder uv runs in, the project's.
      requirement = `./${posix.relative(folder, requirement) || '.'}`;
    }
    return markers ? `${requirement} ; ${markers}` : requirement;
  });
}

/** Checks a requirements file and, recursively, what it includes; records path requirements. */
async function readRequirements(files: RepoFiles, path: string, set: DependencySet, read: Read, index: string, seen = new Set<string>()): Promise<void> {
  if (seen.has(path)) return;
  seen.add(path);
  const text = await read(path, seen.size === 1 ? 'file' : 'included file');
  const folder = posix.dirname(path);
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/(^|\s)#.*$/, '');
    const where = `${path}:${i + 1}`;
    const option = INDEX_OPTION.exec(line);
    if (
      option &&
      !(option[1] === '-i' || option[1] === '--index-url'
        ? sameIndex(
            line
              .replace(INDEX_OPTION, '')
              .replace(/^\s*=?\s*/, '')
              .trim(),
            index,
          )
        : false)
    ) {
      throw indexRefusal(where, option[1]!);
    }
    const include = INCLUDE.exec(line);
    if (include) {
      await readRequirements(files, insideRepository(folder, include[2]!, where), set, read, index, seen);
      continue;
    }
    const local = PATH_REQUIREMENT.exec(line);
    if (local) set.pathDependencies.push(insideRepository(folder, local[1]!.replace(/^file:(\/\/)?/, ''), where));
  }
}

/** A folder (or file) of which the commit has nothing: one cloned in beside the code, such as Dispatch's internal plugins. */
function absent(paths: string[], path: string): boolean {
  const folder = path.replace(/\/$/, '');
  return !paths.some((p) => p === folder || p.startsWith(`${folder}/`));
}

function isOutside(folder: string, path: string): boolean {
  const joined = posix.normalize(posix.join(folder, path));
  return path.startsWith('/') || joined === '..' || joined.startsWith('../');
}

/** A path the repository names, as a repository-relative path; one that leaves the repository is refused. */
function insideRepository(folder: string, path: string, where: string): string {
  const joined = posix.normalize(posix.join(folder, path));
  if (isOutside(folder, path)) {
    // `where` is `file:line` or `file: what`.
    const [, file, line, what] = /^([^:]+)(?::(\d+))?(?::\s*(.*))?$/.exec(where) ?? [];
    throw new ConfigError(
      file ?? where,
      line ? Number(line) : null,
      null,
      `${what ? `${what}: ` : ''}"${path}" is outside the repository: driftbot installs path dependencies from the checkout only`,
    );
  }
  return joined.replace(/\/$/, '') || '.';
}

function sameIndex(a: string, b: string): boolean {
  const normal = (url: string) => url.trim().replace(/\/+$/, '').toLowerCase();
  return normal(a) === normal(b);
}

function toml(text: string, path: string): unknown {
  try {
    return parseToml(text);
  } catch (error) {
    const { line, column } = error as { line?: number; column?: number };
    throw new ConfigError(path, line ?? null, column ?? null, `not valid TOML: ${(error as Error).message.split('\n')[0]}`);
  }
}
