/** The runner as a process: time and memory limits, death, logs, and closing. */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scratchDatabase } from '../support/postgres.js';
import { revision, startRunner, tree } from './runner-fixtures.js';
import { processAlive } from '../support/processes.js';

function running(commandLine: string): boolean {
  return execFileSync('ps', ['-eo', 'args'])
    .toString()
    .split('\n')
    .some((line) => line.trim() === commandLine);
}

/** A versions folder whose only revision runs `body`, after writing the runner's pid next to it. */
async function revisionRunning(body: string, imports = 'import os\nimport subprocess\nfrom alembic import op\n'): Promise<{ root: string; pidFile: string }> {
  const root = await tree({});
  const pidFile = join(root, 'pid');
  await mkdir(join(root, 'versions'));
  await writeFile(join(root, 'versions', '0001_a.py'), revision('0001', null, 'a', `open(${JSON.stringify(pidFile)}, "w").write(str(os.getpid()))\n${body}`, imports));
  return { root, pidFile };
}

describe('the runner process', () => {
  it('stops a request that outlives its limit: the error names the command and the limit, and the process is gone', async () => {
    const runner = await startRunner({ timeoutMs: 6000 });
    const { root, pidFile } = await revisionRunning('while True:\n    pass');
    const database = await scratchDatabase('loop');
    try {
      // The limit is per request: a first one lets the runner start (its imports take seconds on a busy machine).
      expect((await runner.scan({ versions: join(root, 'versions'), root })).revisions).toHaveLength(1);
      const upgrade = runner.upgrade({ url: database.url, versions: join(root, 'versions'), versionTable: 'v', pythonPaths: [], stubMissingImports: false, root });
      const queued = runner.scan({ versions: join(root, 'versions'), root });
      await expect(upgrade).rejects.toThrow(/"upgrade" took longer than the limit of 6 s/);
      await expect(queued).rejects.toThrow(/killed by SIGKILL|not running/);
      const pid = Number(await readFile(pidFile, 'utf8'));
      await expect.poll(() => processAlive(pid)).toBe(false);
    } finally {
      await runner.close();
      await database.drop();
    }
  });

  it('rejects what is pending when the process dies, with its exit code and its last stderr lines', async () => {
    const lines: string[] = [];
    const runner = await startRunner({ log: (line) => lines.push(line) });
    const { root } = await revisionRunning('print("about to leave", flush=True)\nos._exit(3)');
    const database = await scratchDatabase('exit');
    try {
      const upgrade = runner.upgrade({ url: database.url, versions: join(root, 'versions'), versionTable: 'v', pythonPaths: [], stubMissingImports: false, root });
      await expect(upgrade).rejects.toThrow(/exited with code 3:\n(.*\n)*about to leave/);
      await expect(runner.scan({ versions: join(root, 'versions'), root })).rejects.toThrow(/not running \(exited with code 3\)/);
      expect(lines).toContain('about to leave');
    } finally {
      await runner.close();
      await runner.close();
      await database.drop();
    }
  });

  it('sends what migrations and their children print to the log, never into the protocol; close() twice is safe', async () => {
    const lines: string[] = [];
    const runner = await startRunner({ log: (line) => lines.push(line), timeoutMs: 15_000 });
    const { root } = await revisionRunning(
      [
        'print("{\\"id\\": 1, \\"ok\\": true, \\"result\\": {}}")',
        'os.write(1, b"written to descriptor 1\\n")',
        // No newline: on the protocol's stream it would corrupt the response that follows.
        'subprocess.run(["printf", "printed by a child"], check=True)',
        'op.execute("CREATE TABLE printed (id int)")',
      ].join('\n'),
    );
    const database = await scratchDatabase('print');
    try {
      const result = await runner.upgrade({ url: database.url, versions: join(root, 'versions'), versionTable: 'v', pythonPaths: [], stubMissingImports: false, root });
      expect(result.applied.map((a) => a.revision)).toEqual(['0001']);
      expect(lines).toEqual(expect.arrayContaining(['{"id": 1, "ok": true, "result": {}}', 'written to descriptor 1']));
    } finally {
      await runner.close();
      await runner.close();
      await database.drop();
    }
    // Unterminated, it becomes a log line of its own when stderr closes.
    expect(lines.some((line) => line.startsWith('printed by a child'))).toBe(true);
    await expect(runner.scan({ versions: join(root, 'versions'), root })).rejects.toThrow(/not running/);
  });

  it('a migration that allocates without end fails with MemoryError, naming its revision; the runner lives on', async () => {
    const runner = await startRunner({ limits: { memoryBytes: 1024 ** 3 } });
    const root = await tree({ 'versions/0001_a.py': revision('0001', null, 'a', 'hog = []\nwhile True:\n    hog.append(bytearray(64 * 1024 * 1024))') });
    const database = await scratchDatabase('memory');
    try {
      const result = await runner.upgrade({ url: database.url, versions: join(root, 'versions'), versionTable: 'v', pythonPaths: [], stubMissingImports: false, root });
      expect(result.failure).toMatchObject({ revision: '0001', path: 'versions/0001_a.py', line: 18, error: expect.stringContaining('MemoryError') });
      expect((await runner.scan({ versions: join(root, 'versions'), root })).revisions).toHaveLength(1);
    } finally {
      await runner.close();
      await database.drop();
    }
  });

  it('a statement that runs past statement_timeout is cancelled by Postgres', async () => {
    const runner = await startRunner();
    const root = await tree({ 'versions/0001_a.py': revision('0001', null, 'a', 'op.execute("SELECT pg_sleep(10)")') });
    const database = await scratchDatabase('stmt');
    try {
      const started = Date.now();
      const result = await runner.upgrade({
        url: database.url,
        versions: join(root, 'versions'),
        versionTable: 'v',
        pythonPaths: [],
        stubMissingImports: false,
        root,
        statementTimeoutMs: 300,
      });
      expect(result.failure).toMatchObject({ revision: '0001', line: 16, error: expect.stringContaining('canceling statement due to statement timeout') });
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      await runner.close();
      await database.drop();
    }
  });

  it('processes a migration spawns do not outlive the runner', async () => {
    const runner = await startRunner();
    const commandLine = `sleep 6000.${process.pid}${Date.now() % 100000}`;
    const { root } = await revisionRunning(`subprocess.Popen(${JSON.stringify(commandLine.split(' '))})`);
    const database = await scratchDatabase('orphan');
    try {
      const result = await runner.upgrade({ url: database.url, versions: join(root, 'versions'), versionTable: 'v', pythonPaths: [], stubMissingImports: false, root });
      expect(result.failure).toBeNull();
      expect(running(commandLine)).toBe(true);
    } finally {
      await runner.close();
      await database.drop();
    }
    await expect.poll(() => running(commandLine)).toBe(false);
  });
});
