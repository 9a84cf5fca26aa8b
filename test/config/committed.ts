/**
 * The files of a real commit: a repository built in a temporary folder (removed by the
 * suite's teardown), read through repoFilesAt as driftbot reads a pull request.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitFixture } from '../../demo/git-fixture.js';
import { repoFilesAt, type RepoFiles } from '../../src/workspace/repo-files.js';

export async function committedFiles(files: Record<string, string>): Promise<RepoFiles> {
  const repo = await GitFixture.create(await mkdtemp(join(tmpdir(), 'driftbot-test-config-')));
  const sha = await repo.commit('fixture', files);
  return repoFilesAt(repo.dir, sha);
}

/** A minimal Alembic revision file. */
export function revisionFile(id: string, down: string | null): string {
  return `"""${id}"""\nfrom alembic import op\n\nrevision = "${id}"\ndown_revision = ${down ? `"${down}"` : 'None'}\n\n\ndef upgrade():\n    pass\n`;
}
