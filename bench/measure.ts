/**
 * Timing and memory for the bench: medians, a stopwatch, and a child process whose
 * whole tree (driftbot, its Python runners, git) has its resident memory sampled.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** The machine's load average (1, 5, 15 minutes), for a bench's header and footer. */
export function load(): string {
  return loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
}

export function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

export interface TreeRun {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
  /** Largest sum of VmRSS over the process and its descendants seen, in bytes. */
  peakRss: number;
}

/** Runs a command, sampling the memory of its process tree every `intervalMs`. */
export function runMeasured(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string; intervalMs?: number }): Promise<TreeRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    let peakRss = 0;
    const sample = () => {
      if (child.pid !== undefined) peakRss = Math.max(peakRss, treeRss(child.pid));
    };
    const timer = setInterval(sample, options.intervalMs ?? 50);
    sample();
    child.on('error', (error) => {
      clearInterval(timer);
      reject(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ ms: performance.now() - started, code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), peakRss });
    });
  });
}

/** Resident memory of `root` and every descendant, from /proc (0 for processes gone meanwhile). */
export function treeRss(root: number): number {
  const { rss } = treeUsage(root);
  return rss.own + rss.postgres;
}

export interface TreeUsage {
  /** Resident memory (VmRSS), bytes: pages shared between processes (libraries, Postgres' shared buffers) counted in each. */
  rss: { own: number; postgres: number };
  /** Proportional set size, bytes: each shared page divided among the processes that map it, so the sum counts it once. */
  pss: { own: number; postgres: number };
  /** CPU time so far (user + system, with that of exited children they waited for), ms. */
  cpuMs: { own: number; postgres: number };
}

/**
 * Resident memory and CPU time of `root` and every descendant, split in two: the
 * Postgres servers the tree started (embedded Postgres: the postmaster and its backends,
 * known by their command name) and everything else (node, the Python runners, git,
 * bubblewrap). Each backend's VmRSS counts the shared buffers and libraries it touched
 * again, so a sum of RSS overstates what the servers use; the PSS sum does not (but
 * gives pages shared with processes outside the tree, say node's own code with another
 * node on the machine, only their share).
 */
export function treeUsage(root: number): TreeUsage {
  const children = new Map<number, number[]>();
  const stats = new Map<number, string[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(`/proc/${entry}/stat`);
    if (!stat) continue;
    // The command name may hold spaces and parentheses: fields restart after the last ')', at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    stats.set(Number(entry), fields);
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const usage: TreeUsage = { rss: { own: 0, postgres: 0 }, pss: { own: 0, postgres: 0 }, cpuMs: { own: 0, postgres: 0 } };
  const tick = 1000 / CLOCK_TICKS;
  const queue = [root];
  while (queue.length) {
    const pid = queue.pop()!;
    const status = readProc(`/proc/${pid}/status`) ?? '';
    const kind = /^Name:\s+postgres$/m.test(status) ? 'postgres' : 'own';
    usage.rss[kind] += Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0) * 1024;
    usage.pss[kind] += Number(/^Pss:\s+(\d+)\s+kB/m.exec(readProc(`/proc/${pid}/smaps_rollup`) ?? '')?.[1] ?? 0) * 1024;
    // utime, stime, cutime, cstime: fields 14–17.
    const fields = stats.get(pid);
    if (fields) usage.cpuMs[kind] += fields.slice(11, 15).reduce((sum, value) => sum + Number(value), 0) * tick;
    queue.push(...(children.get(pid) ?? []));
  }
  return usage;
}

/** The kernel's USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
