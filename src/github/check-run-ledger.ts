/**
 * The check runs driftbot has started and not yet completed, kept in a small file so
 * that a process killed mid-analysis is not the end of them: at the next start they are
 * completed as interrupted, with a hint to run them again.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface OpenCheckRun {
  installationId: number;
  owner: string;
  repo: string;
  checkRunId: number;
}

export class CheckRunLedger {
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  add(run: OpenCheckRun): Promise<void> {
    return this.update((runs) => [...runs.filter((r) => r.checkRunId !== run.checkRunId), run]);
  }

  remove(checkRunId: number): Promise<void> {
    return this.update((runs) => runs.filter((r) => r.checkRunId !== checkRunId));
  }

  /** Every open run, emptying the ledger. */
  async take(): Promise<OpenCheckRun[]> {
    let taken: OpenCheckRun[] = [];
    await this.update((runs) => {
      taken = runs;
      return [];
    });
    return taken;
  }

  private update(change: (runs: OpenCheckRun[]) => OpenCheckRun[]): Promise<void> {
    // One write at a time, each replacing the file whole (rename is atomic).
    this.writes = this.writes.then(async () => {
      const runs = change(await this.read());
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(`${this.path}.tmp`, JSON.stringify(runs));
      await rename(`${this.path}.tmp`, this.path);
    });
    return this.writes;
  }

  private async read(): Promise<OpenCheckRun[]> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as OpenCheckRun[];
    } catch {
      return [];
    }
  }
}
