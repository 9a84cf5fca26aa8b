/**
 * The identity of the Python a build ran with, for the keys of cached builds
 * (analysis/cache-keys.ts): the interpreter (where it really is, its version), every
 * package installed in it with its version, and driftbot's runner (its files and pins).
 * Another package, or another version of one, is another environment. Asked of the
 * interpreter once per process: it is the operator's, never the repository's.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
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

export function environmentKey(python: string): Promise<string> {
  if (!keys.has(python)) {
    keys.set(
      python,
      (async () => {
        const [{ stdout }, runner] = await Promise.all([run(python, ['-I', '-c', DESCRIBE], { maxBuffer: 8 * 1024 * 1024 }), runnerIdentity()]);
        return createHash('sha256').update(stdout).update(runner).digest('hex');
      })().catch((error: Error) => {
        keys.delete(python);
        throw new Error(`cannot describe the Python interpreter ${python}: ${error.message}`);
      }),
    );
  }
  return keys.get(python)!;
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
