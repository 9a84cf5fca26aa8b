/**
 * `python.files`: files the project's CI makes and the repository lacks (Polar's
 * settings read a development key, `.jwks.json`, at import), written into a checkout
 * before its code runs. The paths and contents are the repository's, so nothing is
 * written through a link: every folder on the way is a real folder of the checkout, and
 * the file itself must not exist yet (config/load.ts refuses a path the commit has).
 */
import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function writeFilesIntoTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, contents] of Object.entries(files)) {
    const parts = path.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      const folder = join(dir, ...parts.slice(0, depth));
      const found = await lstat(folder).catch(() => null);
      if (found?.isSymbolicLink() || (found && !found.isDirectory())) {
        throw new Error(
          `python.files: cannot write ${path}: ${parts.slice(0, depth).join('/')} is not a folder in this commit (a link or a file): give a path through real folders`,
        );
      }
      if (!found) await mkdir(folder);
    }
    // `wx`: never through a link or over a file that is there.
    await writeFile(join(dir, path), contents, { flag: 'wx', mode: 0o644 });
  }
}
