/**
 * The identity of the Python a build ran with, for the keys of cached builds
 * (analysis/cache-keys.ts): the interpreter (where it really is, its version), every
 * package installed in it with its version, and driftbot's runner (its files and pins).
 * Another package, or another version of one, is another environment. Read from a
 * virtualenv's folder, or else asked of the interpreter, once per process: it is the
 * operator's, never the repository's.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { requirementsPath, runnerScriptPath } from './python-env.js';

const run = promisify(execFile);
const keys = new Map<string, Promise<string>>();

const DESCRIBE = [
  'import importlib.metadata as m, os, sys',
  'print(os.path.realpath(sys.executable)); print(sys.version)',
  'print("\\n".join(sorted(f"{d.metadata[\'Name\']}=={d.version}" for d in m.distributions())))',
].join('\n');

/**
 * `mayRun: false` for an environment installed from a repository's files: its Python
 * (its `.pth` files, its `sitecustomize`) only ever runs in the sandbox, so it must be
 * described from its folder.
 */
export function environmentKey(python: string, { mayRun = true }: { mayRun?: boolean } = {}): Promise<string> {
  if (!keys.has(python)) {
    keys.set(
      python,
      (async () => {
        const fromFolder = await describeVirtualenv(python);
        if (fromFolder === null && !mayRun) throw new Error('it is not a virtualenv driftbot can read without running it');
        const [description, runner] = await Promise.all([fromFolder ?? describeByAsking(python), runnerIdentity()]);
        return createHash('sha256').update(description).update(runner).digest('hex');
      })().catch((error: Error) => {
        keys.delete(python);
        throw new Error(`cannot describe the Python interpreter ${python}: ${error.message}`);
      }),
    );
  }
  return keys.get(python)!;
}

async function describeByAsking(python: string): Promise<string> {
  return (await run(python, ['-I', '-c', DESCRIBE], { maxBuffer: 8 * 1024 * 1024 })).stdout;
}

/**
 * A virtualenv that does not see the system's packages (driftbot's own, most
 * operators'), described without starting Python: its pyvenv.cfg (the interpreter and
 * its version), the interpreter's real path, and what its site-packages holds — every
 * `*.dist-info` name carries a package's version, and `.pth` files (editable installs)
 * are read. Null for anything else: then the interpreter is asked.
 */
async function describeVirtualenv(python: string): Promise<string | null> {
  const prefix = dirname(dirname(python));
  const config = await readFile(join(prefix, 'pyvenv.cfg'), 'utf8').catch(() => null);
  if (config === null || !/^include-system-site-packages\s*=\s*false\s*$/m.test(config)) return null;
  const lib = join(prefix, 'lib');
  const versions = (await readdir(lib).catch(() => [])).filter((name) => name.startsWith('python'));
  if (versions.length !== 1) return null;
  const sitePackages = join(lib, versions[0]!, 'site-packages');
  const entries = (await readdir(sitePackages).catch(() => null))?.sort();
  if (!entries) return null;
  const pth = await Promise.all(entries.filter((name) => name.endsWith('.pth')).map((name) => readFile(join(sitePackages, name), 'utf8')));
  return [config, await realpath(python), ...entries, ...pth].join('\n');
}

/** The runner package's files and its pinned requirements. */
async function runnerIdentity(): Promise<string> {
  const folder = dirname(runnerScriptPath());
  const names = (await readdir(folder)).filter((name) => name.endsWith('.py')).sort();
  const h = createHash('sha256');
  for (const name of names) h.update(name).update(await readFile(join(folder, name)));
  h.update(await readFile(requirementsPath()));
  return h.digest('hex');
}
