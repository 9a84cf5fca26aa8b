import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitFixture } from '../../demo/git-fixture.js';
import { startingPoints } from '../../src/workspace/starting-points.js';

/** A repository with tags v1 … v5, one commit each, and the base on main. */
async function tagged(): Promise<{ repo: GitFixture; base: { ref: string; sha: string } }> {
  const repo = await GitFixture.create(await mkdtemp(join(tmpdir(), 'driftbot-test-starting-points-')));
  for (let i = 1; i <= 5; i++) {
    await repo.commit(`release ${i}`, { 'version.txt': `${i}\n` });
    await repo.git('tag', `v${i}`);
  }
  const sha = await repo.commit('main', { 'main.txt': 'main\n' });
  return { repo, base: { ref: 'main', sha } };
}

describe('startingPoints', () => {
  it('builds the base and up to three more: refs and tag globs with a count', async () => {
    const { repo, base } = await tagged();
    const points = await startingPoints(repo.dir, base, ['v1', 'v*~2']);
    expect(points.map((p) => p.ref)).toEqual(['main', 'v1', 'v5', 'v4']);
    expect(points[1]!.sha).toBe(await repo.git('rev-parse', 'v1^{commit}'));
  });

  it.each([
    [['v*~4'], 4],
    [['v1', 'v2', 'v*~2'], 4],
    [['v1', 'v2', 'v3', 'v4'], 4],
    [Array.from({ length: 10_000 }, (_, i) => `v${i}`), 10_000],
  ])('more than three besides the base is a config error naming upgrade_from: %#', async (specs, count) => {
    const { repo, base } = await tagged();
    await expect(startingPoints(repo.dir, base, specs)).rejects.toThrow(
      new RegExp(`^upgrade_from: .* asks for ${count} starting points; at most 3 are built besides the base branch\\. List fewer refs, or a smaller count`),
    );
  });
});
