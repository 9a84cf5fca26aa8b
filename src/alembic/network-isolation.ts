/**
 * The runner executes pull-request code: where the platform allows, it gets no network
 * at all — a network namespace of its own (`unshare --net`, as root; a user namespace
 * first otherwise) — and reaches Postgres through the server's Unix socket.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
let probe: Promise<string[] | null> | null = null;

/** The command prefix that runs a program without a network, or null where the platform has none. */
export function withoutNetwork(): Promise<string[] | null> {
  probe ??= (async () => {
    const candidates = process.getuid?.() === 0 ? [['unshare', '--net', '--']] : [['unshare', '--user', '--map-root-user', '--net', '--']];
    for (const prefix of candidates) {
      const ok = await run(prefix[0]!, [...prefix.slice(1), 'true']).then(() => true, () => false);
      if (ok) return prefix;
    }
    return null;
  })();
  return probe;
}
