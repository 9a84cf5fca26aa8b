/**
 * Timing and memory for the bench: medians, a stopwatch, and a child process whose
 * whole tree (driftbot, its Python runners, git) has its resident memory sampled.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(`/proc/${entry}/stat`);
    // The command name may hold spaces and parentheses: fields restart after the last ')'.
    const ppid = Number(stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isFinite(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  let total = 0;
  const queue = [root];
  while (queue.length) {
    const pid = queue.pop()!;
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readProc(`/proc/${pid}/status`) ?? '')?.[1];
    total += Number(kb ?? 0) * 1024;
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
