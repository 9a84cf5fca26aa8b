/**
 * The interpreter the migrations run with: the job's own, where the workflow installed
 * the project's dependencies (`actions/setup-python` + `pip install`). A name is looked
 * up on PATH and passed on as an absolute path, so what runs does not depend on the
 * directory the runner happens to start in.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { InputError } from './inputs.js';

export function findPython(given: string | null, path: string, workspace: string): string {
  if (given?.includes('/')) {
    const file = isAbsolute(given) ? given : resolve(workspace, given);
    if (isExecutable(file)) return file;
    throw new InputError(
      `input "python": ${given} is not an executable file; give the interpreter where the project's dependencies are installed, or leave it empty for python3 on PATH`,
    );
  }
  const names = given ? [given] : ['python3', 'python'];
  for (const name of names) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      if (isExecutable(join(dir, name))) return join(dir, name);
    }
  }
  throw new InputError(
    `input "python": no ${names.join(' or ')} on PATH; add actions/setup-python and \`pip install -r requirements.txt\` before driftbot, or give the interpreter's path`,
  );
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
