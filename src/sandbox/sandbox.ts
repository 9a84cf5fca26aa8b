/**
 * The sandbox every piece of repository code runs in: migrations, model imports, and
 * the reading of revision files. It is bubblewrap (`bwrap`, Debian's `bubblewrap`), a
 * small, well-kept tool made for exactly this, and driftbot only assembles its command
 * line. Inside:
 *
 * - a fresh mount namespace that shows the system's read-only `/usr` (and the links
 *   `/bin`, `/lib`… into it), the interpreter read-only, the checkouts read-only, and
 *   one writable folder of the analysis' own — no `$HOME`, no cache, no key file, no
 *   `/etc` beyond what the dynamic loader reads, no other analysis' files;
 * - a private `/proc` (its own PID namespace: driftbot's process and its environment
 *   are not there, and when the runner exits the kernel ends everything it started),
 *   a private `/tmp` and `/dev`;
 * - uid and gid 65534 in a user namespace of its own, with every capability dropped;
 * - no network at all (a network namespace with no interface but a downed loopback):
 *   Postgres is reached through the one Unix socket driftbot relays for this analysis
 *   (postgres-relay.ts);
 *   only the install of the project's dependencies (environment/install.ts) shares the
 *   network, to reach the package index.
 *
 * Limits on processes, file size, CPU time and memory are set by the runner on itself
 * before any repository code runs (hard limits, which it then cannot raise).
 */
import { execFile } from 'node:child_process';
import { lstat, readlink } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What a sandboxed program may see; every path absolute. */
export interface Confinement {
  /** Folders and files shown read-only, at the same path. */
  readOnly: string[];
  /** Folders shown writable, at the same path (the analysis' own work folder). */
  writable: string[];
  /** Symlinks made inside (a mount point such as /app → a link the runner repoints per side). */
  symlinks?: { path: string; target: string }[];
  /** The working directory inside. */
  cwd: string;
  /**
   * Share the host's network (installing the project's dependencies from the package
   * index): DNS and hosts files are shown too. Everything else stays as above.
   */
  network?: boolean;
}

export type SandboxStatus = { available: true; version: string } | { available: false; reason: string };

/** The uid and gid repository code runs as inside the sandbox ("nobody"). */
export const SANDBOX_UID = 65534;

const BWRAP = 'bwrap';
/** System folders that are links into /usr on merged-/usr systems, folders elsewhere. */
const SYSTEM_ROOTS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/**
 * What the dynamic loader and Python read from /etc: nothing secret. resolv.conf too (which
 * name servers): libraries that set up a resolver at import refuse to load without it
 * (dnspython, through email-validator's `caching_resolver()` in Polar), though with no
 * network nothing resolves.
 */
const ETC_FILES = ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/localtime', '/etc/alternatives', '/etc/resolv.conf'];
/** What name resolution and TLS read from /etc, for a sandbox that shares the network. */
const NETWORK_ETC_FILES = ['/etc/hosts', '/etc/nsswitch.conf', '/etc/host.conf', '/etc/gai.conf', '/etc/ssl', '/etc/ca-certificates', '/etc/pki'];

/** The command line that runs `command` confined. */
export async function confinedCommand(command: string[], confinement: Confinement, bwrap = BWRAP): Promise<string[]> {
  const args = [
    bwrap,
    '--unshare-all',
    ...(confinement.network ? ['--share-net'] : []),
    '--die-with-parent',
    // A new session: the code cannot push characters into a terminal it was started from.
    '--new-session',
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_UID),
    '--cap-drop',
    'ALL',
    '--hostname',
    'driftbot-sandbox',
    '--ro-bind',
    '/usr',
    '/usr',
    ...(await systemRoots()),
    ...[...ETC_FILES, ...(confinement.network ? NETWORK_ETC_FILES : [])].flatMap((path) => ['--ro-bind-try', path, path]),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    // Later binds may sit inside /tmp (the work folder usually does): the tmpfs comes first.
    '--tmpfs',
    '/tmp',
    ...unique(confinement.readOnly).flatMap((path) => ['--ro-bind', path, path]),
    ...unique(confinement.writable).flatMap((path) => ['--bind', path, path]),
    ...(confinement.symlinks ?? []).flatMap((link) => ['--symlink', link.target, link.path]),
    '--chdir',
    confinement.cwd,
    '--',
    ...command,
  ];
  return args;
}

async function systemRoots(): Promise<string[]> {
  const args: string[] = [];
  for (const path of SYSTEM_ROOTS) {
    const stat = await lstat(path).catch(() => null);
    if (!stat) continue;
    if (stat.isSymbolicLink()) args.push('--symlink', await readlink(path), path);
    else if (stat.isDirectory()) args.push('--ro-bind', path, path);
  }
  return args;
}

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}

let probe: Promise<SandboxStatus> | null = null;

/** Whether the sandbox works on this machine, asked once per process. */
export function detectSandbox(): Promise<SandboxStatus> {
  probe ??= probeSandbox(BWRAP);
  return probe;
}

/**
 * Whether `bwrap` is installed and may create its namespaces (as root, or unprivileged
 * where the kernel permits user namespaces): it runs `true` in the real sandbox.
 */
export async function probeSandbox(bwrap: string): Promise<SandboxStatus> {
  const version = await run(bwrap, ['--version']).then(
    ({ stdout }) => stdout.trim().replace(/^bubblewrap\s*/, ''),
    () => null,
  );
  if (version === null) return { available: false, reason: 'bubblewrap (bwrap) is not installed: install the Debian/Ubuntu package "bubblewrap" (Fedora: "bubblewrap")' };
  const command = await confinedCommand(['/usr/bin/env', 'true'], { readOnly: [], writable: [], cwd: '/' }, bwrap);
  try {
    await run(command[0]!, command.slice(1), { timeout: 10_000 });
    return { available: true, version };
  } catch (error) {
    const detail = ((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split('\n').pop();
    return {
      available: false,
      reason: `bubblewrap ${version} cannot create its namespaces here (${detail}): run driftbot as root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04+ kernel.apparmor_restrict_unprivileged_userns=0); in Docker, add --security-opt seccomp=unconfined --security-opt apparmor=unconfined`,
    };
  }
}
