/**
 * The runner executes pull-request code. Where the platform allows (`unshare`, as root
 * or through a user namespace), it runs in a PID namespace of its own — when it exits,
 * the kernel kills everything it started, `setsid` or not — and, when it can reach
 * Postgres without a network (the embedded server's Unix socket), in a network namespace
 * with no interface but a downed loopback.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const probes = new Map<boolean, Promise<string[] | null>>();

/** The command prefix that sandboxes a program, or null where the platform has none. */
export function sandboxPrefix(options: { network: boolean }): Promise<string[] | null> {
  const withoutNetwork = !options.network;
  if (!probes.has(withoutNetwork)) {
    probes.set(
      withoutNetwork,
      (async () => {
        const namespaces = ['--pid', '--fork', '--kill-child', ...(withoutNetwork ? ['--net'] : [])];
        const candidates = process.getuid?.() === 0 ? [['unshare', ...namespaces, '--']] : [['unshare', '--user', '--map-root-user', ...namespaces, '--']];
        for (const prefix of candidates) {
          if (await run(prefix[0]!, [...prefix.slice(1), 'true']).then(() => true, () => false)) return prefix;
        }
        return null;
      })(),
    );
  }
  return probes.get(withoutNetwork)!;
}
