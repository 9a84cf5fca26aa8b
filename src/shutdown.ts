/**
 * Clean-up that must run even when the process is interrupted: throwaway databases,
 * the embedded server's data folder, temporary checkouts. Ctrl-C or SIGTERM runs every
 * registered clean-up (newest first) before the process exits, so an interrupted
 * analysis leaves nothing behind.
 */
type Cleanup = () => Promise<void> | void;

const cleanups = new Set<Cleanup>();
let installed = false;

/** Registers a clean-up for interruption; returns a function that unregisters it. */
export function onShutdown(cleanup: Cleanup): () => void {
  installSignalHandlers();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Runs every registered clean-up once (newest first), ignoring their failures. */
export async function runShutdownCleanups(): Promise<void> {
  const pending = [...cleanups].reverse();
  cleanups.clear();
  for (const cleanup of pending) {
    try {
      await cleanup();
    } catch {
      // A clean-up that fails must not stop the others.
    }
  }
}

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`driftbot: ${signal} received, cleaning up…\n`);
      void runShutdownCleanups().finally(() => process.exit(code));
    });
  }
}
