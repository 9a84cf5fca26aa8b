/**
 * The interpreter a project's environment is made from: the one its `requires-python`
 * (or `python.version`) asks for, among those installed on this machine — `python3.X` on
 * PATH, pyenv's versions, uv's managed Pythons. Nothing is ever downloaded: when none
 * fits, the error says what was asked, by which file, what was found and what to do.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../config/error.js';
import { parseSpecifier, parseVersion, satisfies, versionText, type Version } from './specifier.js';

const run = promisify(execFile);
/** The oldest Python driftbot's runner works on. */
const OLDEST: Version = [3, 10, 0];

export interface Interpreter {
  /** The real executable (a pyenv shim resolved), absolute. */
  executable: string;
  version: Version;
}

export interface Asked {
  specifier: string;
  /** The file or setting that asks for it. */
  from: string;
}

/** Every interpreter this machine has, each once, oldest first; asked once per process. */
let found: Promise<Interpreter[]> | null = null;
export function installedInterpreters(): Promise<Interpreter[]> {
  found ??= findInterpreters().catch((error) => {
    found = null;
    throw error;
  });
  return found;
}

/**
 * The interpreter for what is asked: the one driftbot's own environment uses when it
 * fits (it is known to work), else the newest that fits. Without a request, that one.
 */
export function chooseInterpreter(interpreters: Interpreter[], asked: Asked | null, preferred: string | null): Interpreter | string {
  const usable = interpreters.filter((i) => !older(i.version, OLDEST));
  const own = usable.find((i) => i.executable === preferred);
  if (!asked) return own ?? usable.at(-1) ?? `no Python ${versionText(OLDEST).replace(/\.0$/, '')}+ is installed here: ${howToInstall('3.12')}`;
  const clauses = parseSpecifier(asked.specifier);
  if (typeof clauses === 'string') return `${asked.from} asks for Python "${asked.specifier}": ${clauses}`;
  const fitting = usable.filter((i) => satisfies(i.version, clauses));
  const chosen = own && fitting.includes(own) ? own : fitting.at(-1);
  if (chosen) return chosen;
  const list = interpreters.map((i) => `${versionText(i.version)} (${i.executable})`).join(', ') || 'none';
  const tooOld = interpreters.some((i) => older(i.version, OLDEST) && satisfies(i.version, clauses));
  return (
    `${asked.from} asks for Python ${asked.specifier}, and no interpreter on this machine fits it (found: ${list})` +
    `${tooOld ? `; driftbot's runner needs Python ${versionText(OLDEST).replace(/\.0$/, '')} or newer` : ''}. ` +
    `${howToInstall(suggestion(clauses.length ? asked.specifier : '3.12'))}, or, if the project also runs on one of those, set python.version in .github/driftbot.yml to it`
  );
}

/** The same choice, as an error that names the file that asked. */
export function interpreterOrThrow(interpreters: Interpreter[], asked: Asked | null, preferred: string | null): Interpreter {
  const chosen = chooseInterpreter(interpreters, asked, preferred);
  if (typeof chosen !== 'string') return chosen;
  throw new ConfigError(null, null, null, chosen);
}

function howToInstall(version: string): string {
  return `install one on the machine that runs driftbot (\`uv python install ${version}\` or \`pyenv install ${version}\`; driftbot never downloads an interpreter itself)`;
}

/** A version to suggest installing: the first X.Y the specifier names. */
function suggestion(specifier: string): string {
  return /(\d+\.\d+)/.exec(specifier)?.[1] ?? '3.12';
}

function older(a: Version, b: Version): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

async function findInterpreters(): Promise<Interpreter[]> {
  const home = homedir();
  const candidates = new Set<string>();
  for (const folder of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    for (const name of await list(folder)) if (/^python3(\.\d+)?$/.test(name)) candidates.add(join(folder, name));
  }
  const pyenv = process.env.PYENV_ROOT ?? join(home, '.pyenv');
  for (const version of await list(join(pyenv, 'versions'))) candidates.add(join(pyenv, 'versions', version, 'bin', 'python3'));
  const uvManaged = process.env.UV_PYTHON_INSTALL_DIR ?? join(process.env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'uv', 'python');
  for (const version of await list(uvManaged)) if (version.startsWith('cpython-')) candidates.add(join(uvManaged, version, 'bin', 'python3'));
  const asked = await Promise.all([...candidates].map(ask));
  const unique = new Map<string, Interpreter>();
  for (const interpreter of asked) if (interpreter && !unique.has(interpreter.executable)) unique.set(interpreter.executable, interpreter);
  return [...unique.values()].sort((a, b) => (older(a.version, b.version) ? -1 : older(b.version, a.version) ? 1 : a.executable < b.executable ? -1 : 1));
}

async function list(folder: string): Promise<string[]> {
  return readdir(folder).catch(() => []);
}

/** The interpreter's own word on its version and real executable; null when it does not run (a shim with no version behind it). */
async function ask(candidate: string): Promise<Interpreter | null> {
  try {
    const { stdout } = await run(candidate, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3]); print(sys.executable)'], { timeout: 10_000 });
    const [versionLine, executable] = stdout.trim().split('\n');
    const version = parseVersion(versionLine ?? '');
    return version && executable?.startsWith('/') ? { executable: executable.trim(), version } : null;
  } catch {
    return null;
  }
}

/** The interpreter at a path, for the preferred one (DRIFTBOT_BASE_PYTHON). */
export async function interpreterAt(python: string): Promise<Interpreter | null> {
  return ask(python);
}
