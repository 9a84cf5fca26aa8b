/**
 * driftbot as the App runs it: one long-lived process (serve's worker) whose engine
 * (worker.ts `openEngine`: server open, sandbox policy, a template cache per
 * repository) runs analysis after analysis. Started by bench.ts as a process of its
 * own, so that its tree is measured like the CLI's; it runs the analyses it is given in
 * order — the cold one first, whose one-time costs (loading modules, describing the
 * Python environment) a long-lived process pays once — and prints one JSON line per
 * analysis: the wall time of the engine's `analyse()` call and what the report says.
 *
 * Usage (from bench.ts): node dist/bench/served-process.js <repo> <base>..<head> [<base>..<head>…]
 * with DRIFTBOT_DATABASE_URL set to the bench's server.
 */
import { resolveCommit } from '../src/workspace/git.js';
import { openEngine } from '../src/worker.js';

export interface ServedAnalysis {
  ms: number;
  analysisMs: number;
  status: string;
  findings: number;
  phases: { name: string; ms: number }[];
}

const PAUSE_MS = 1000;
const [repo, ...pairs] = process.argv.slice(2);
if (!repo || pairs.length === 0) throw new Error('usage: served-process.js <repo> <base>..<head> [<base>..<head>…]');
const engine = await openEngine(process.env);
for (const [i, pair] of pairs.entries()) {
  // Pushes and pull requests come seconds apart at the least (a webhook, the queue, a
  // fetch): what the App does between two analyses (a spare runner, spare-start.ts) is
  // done by then, as it would be. One second, not measured.
  if (i > 0) await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  const [base, head] = pair.split('..') as [string, string];
  const request = {
    repo,
    base: { ref: base, sha: await resolveCommit(repo, base) },
    head: { ref: head, sha: await resolveCommit(repo, head) },
  };
  const started = performance.now();
  const report = await engine.analyse(request);
  const ms = performance.now() - started;
  if (report.errors.length) throw new Error(`${pair}: ${report.errors.map((e) => e.message).join('; ')}`);
  const line: ServedAnalysis = { ms, analysisMs: report.timings.totalMs, status: report.status, findings: report.findings.length, phases: report.timings.phases };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
// The spare start it made goes (its folder is in memory); the server is the bench's own.
await engine.close();
process.exit(0);
