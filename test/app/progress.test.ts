/** The check run's progress text, from the analysis' log lines. */
import { describe, expect, it } from 'vitest';
import { progressLine } from '../../src/github/progress.js';

describe('check run progress', () => {
  it('shows each chain applied and each side’s Python dependencies, without the pull request’s file names for the latter', () => {
    expect(progressLine('core: fresh: applying api/migrations/versions')).toBe('- core: fresh · `api/migrations/versions`');
    expect(progressLine('python environment for base: installing server/pyproject.toml, server/uv.lock, Python 3.12.1 into /cache/x')).toBe(
      '- Python dependencies for base: installing',
    );
    expect(progressLine('python environment for head: reused (evil`](https://x), Python 3.12.1) /cache/y')).toBe('- Python dependencies for head: already installed');
    expect(progressLine("python environment for head: adding what driftbot's runner needs: alembic==1.20.1")).toBe(
      "- Python dependencies for head: adding driftbot's runner packages",
    );
    expect(progressLine('uv: Resolved 9 packages in 402ms')).toBeNull();
    expect(progressLine('runner: something')).toBeNull();
  });
});
