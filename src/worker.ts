/**
 * `driftbot worker`: takes jobs from the queue database (`DRIFTBOT_QUEUE_URL`) and runs
 * them; any number of workers, on any number of machines. `driftbot serve` runs one in
 * its own process too, unless DRIFTBOT_CONCURRENCY=0. Also the engine both run: the
 * analysis' Postgres server, the sandbox policy, the clone cache.
 */
import { createProbot } from 'probot';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { analyse } from './analysis/analyse.js';
import { SpareStarts } from './analysis/spare-start.js';
import { RunnerBudget } from './alembic/runner-pool.js';
import { checkoutPullRequest } from './github/checkout.js';
import type { GitHubClient } from './github/client.js';
import type { Engine } from './github/check-subject.js';
import { canIsolateAnalyses, keepServing, NO_ISOLATION_WARNING, openServer, type PostgresServer, type ServerOptions } from './postgres/server.js';
import { sweepStaleDatabases } from './postgres/throwaway.js';
import { onShutdown, onShutdownDrain } from './shutdown.js';
import { detectSandbox } from './sandbox/sandbox.js';
import { appSandboxPolicy } from './sandbox/policy.js';
import { TemplateCache } from './postgres/template-cache.js';
import { DurableQueue, type QueueOptions } from './queue/durable-queue.js';
import { Metrics } from './queue/metrics.js';
import { startOpsServer } from './queue/ops.js';
import { jsonLog, queuedJobRunner, type Log } from './queue/run-queued-job.js';
import { QueueWorker } from './queue/worker.js';

export function cacheDirOf(env: NodeJS.ProcessEnv): string {
  return env.DRIFTBOT_CACHE_DIR ?? join(homedir(), '.cache', 'driftbot');
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name] === undefined || env[name] === '' ? fallback : Number(env[name]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number (0 or more), not "${env[name]}"`);
  return value;
}

/** How long a stopping worker lets its jobs finish before handing them back (DRIFTBOT_SHUTDOWN_SECONDS, default 30). */
export function shutdownDeadlineMs(env: NodeJS.ProcessEnv): number {
  return count(env, 'DRIFTBOT_SHUTDOWN_SECONDS', 30) * 1000;
}

/** The queue's settings from the environment: DRIFTBOT_RETRY_DELAY_SECONDS (the first retry's delay, doubling after; default 10). */
export function queueOptionsOf(env: NodeJS.ProcessEnv): QueueOptions {
  return { retryDelaySeconds: count(env, 'DRIFTBOT_RETRY_DELAY_SECONDS', 10) };
}

/** The analysis as the App runs it: bound to its Postgres server and sandbox policy. */
export async function openEngine(env: NodeJS.ProcessEnv): Promise<Omit<Engine, 'ledger' | 'posted'> & { close(): Promise<void> }> {
  // Strangers' code runs only in the sandbox: without one, the App does the static check.
  const policy = appSandboxPolicy(await detectSandbox(), env);
  process.stderr.write(`${policy.startup}\n`);
  const serverOptions = { databaseUrl: env.DRIFTBOT_DATABASE_URL ?? null };
  // The embedded server starts with the first job, not with the process: an idle App holds
  // no Postgres of its own. A given server is checked now, so that a wrong URL stops start-up.
  let server: Promise<PostgresServer> | null = serverOptions.databaseUrl ? startAnalysisServer(serverOptions) : null;
  if (server) await server;
  const serverForJob = async () => {
    // An embedded server that died (crash, OOM kill) is started again for the next job.
    server = server ? server.then((running) => keepServing(running, serverOptions)) : startAnalysisServer(serverOptions);
    // A start that failed is tried again by the next job.
    return server.catch((error: unknown) => {
      server = null;
      throw error;
    });
  };
  const cloneUrl = env.DRIFTBOT_CLONE_URL ?? null;
  const cacheDir = cacheDirOf(env);
  // Each analysis' builds side by side, a runner each, on the cores that the analyses running at once share.
  const runners = availableParallelism();
  const runnerBudget = new RunnerBudget(runners);
  // The next analysis' folder and first runner, begun before it arrives (none where only the static check runs).
  const sandboxed = policy.sandbox && (await detectSandbox()).available;
  const spares = policy.maxScope === 'static' ? null : new SpareStarts({ python: env.DRIFTBOT_PYTHON ?? null, sandboxed });
  if (spares) onShutdown(() => spares.close());
  return {
    analyse: async (request) => {
      const server = await serverForJob();
      const scope = policy.maxScope === 'static' ? 'static' : request.scope;
      // Built histories and models are kept on the server, per repository (its clone is its identity).
      const cache = new TemplateCache(server, request.repo);
      const run = () => analyse({ ...request, scope, server, sandbox: policy.sandbox, python: env.DRIFTBOT_PYTHON ?? null, cache, runners, runnerBudget, spares });
      const report = await (spares ? spares.around(run) : run());
      if (policy.warning) report.warnings.push(policy.warning);
      return report;
    },
    checkout: (request, token) => checkoutPullRequest(request, { cacheDir, cloneUrl, token }),
    needsToken: !cloneUrl || cloneUrl.startsWith('https://'),
    // What the engine started on its own (the spare analysis start) stops; its server is left as it is.
    close: async () => {
      await spares?.close();
    },
  };
}

/** The analyses' server, its isolation checked and what a killed process left swept. */
async function startAnalysisServer(options: ServerOptions): Promise<PostgresServer> {
  const server = await openServer(options);
  if (!(await canIsolateAnalyses(server))) process.stderr.write(`driftbot: ${NO_ISOLATION_WARNING}\n`);
  const swept = await sweepStaleDatabases(server);
  if (swept.length) process.stderr.write(`driftbot: dropped ${swept.length} stale throwaway database(s)\n`);
  return server;
}

/** A worker in this process, with the App's credentials from the environment (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, GHE_HOST). */
export async function startWorker(env: NodeJS.ProcessEnv, queue: DurableQueue, metrics: Metrics | null, log: Log = jsonLog): Promise<QueueWorker> {
  const slots = count(env, 'DRIFTBOT_CONCURRENCY', 2);
  const perInstallation = count(env, 'DRIFTBOT_INSTALLATION_CONCURRENCY', 2);
  const probot = createProbot({ env });
  const engine = await openEngine(env);
  const worker = new QueueWorker(queue, {
    slots,
    perInstallation: Math.max(perInstallation, 1),
    // A worker silent this long is taken for dead, and its jobs are retried elsewhere.
    deadAfterMs: Math.max(count(env, 'DRIFTBOT_WORKER_TIMEOUT_SECONDS', 20), 3) * 1000,
    log,
    ...queuedJobRunner({
      engine,
      posted: queue.posted,
      enqueue: (subject, delivery) => queue.enqueue(subject, delivery),
      clientFor: async (id) => (await probot.auth(id)) as unknown as GitHubClient,
      metrics,
      log,
    }),
  });
  await worker.start();
  // On SIGTERM: take nothing more, let running jobs finish, hand back what is still running at the deadline.
  onShutdownDrain(() => worker.stop(shutdownDeadlineMs(env)), shutdownDeadlineMs(env));
  return worker;
}

export async function work(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!env.DRIFTBOT_QUEUE_URL) {
    throw new Error('DRIFTBOT_QUEUE_URL is not set: a worker takes its jobs from the queue database that `driftbot serve` enqueues to; give both the same postgres:// URL');
  }
  if (!env.APP_ID || !(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH)) {
    throw new Error("APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are not set: a worker acts on GitHub as the App, with the App's credentials");
  }
  const queue = await DurableQueue.open(env.DRIFTBOT_QUEUE_URL, queueOptionsOf(env));
  onShutdown(() => queue.close());
  const metrics = new Metrics(queue);
  const worker = await startWorker(env, queue, metrics);
  // Registered last, so it runs first: not ready any more while the worker winds down.
  let accepting = true;
  onShutdownDrain(async () => {
    accepting = false;
  }, shutdownDeadlineMs(env));
  const ops = await startOpsServer({ queue, metrics, accepting: () => accepting }, count(env, 'PORT', 3000), env.HOST ?? '0.0.0.0');
  onShutdown(() => new Promise<void>((resolve) => ops.close(() => resolve())));
  jsonLog('info', `worker ${worker.id} taking jobs`, { port: count(env, 'PORT', 3000) });
}
