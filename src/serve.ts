/**
 * `driftbot serve`: the GitHub App. Probot reads its own environment (APP_ID,
 * PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET…); without credentials it starts its
 * setup flow, which registers the app from app.yml in a few clicks.
 */
import { run } from 'probot';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { driftbotApp } from './app.js';
import { analyse } from './analysis/analyse.js';
import { checkoutPullRequest } from './github/checkout.js';
import { JobQueue } from './github/job-queue.js';
import { CheckRunLedger } from './github/check-run-ledger.js';
import { canIsolateAnalyses, keepServing, NO_ISOLATION_WARNING, openServer } from './postgres/server.js';
import { sweepStaleDatabases } from './postgres/throwaway.js';
import { TemplateCache } from './postgres/template-cache.js';
import { onShutdown } from './shutdown.js';
import { detectSandbox } from './sandbox/sandbox.js';
import { appSandboxPolicy } from './sandbox/policy.js';

export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.NODE_ENV === 'production' && !env.WEBHOOK_SECRET) {
    // Probot would silently accept the secret "development".
    throw new Error('WEBHOOK_SECRET is not set: refusing to serve webhooks in production without one');
  }
  // Strangers' code runs only in the sandbox: without one, the App does the static check.
  const policy = appSandboxPolicy(await detectSandbox(), env);
  process.stderr.write(`${policy.startup}\n`);
  const serverOptions = { databaseUrl: env.DRIFTBOT_DATABASE_URL ?? null };
  let server = await openServer(serverOptions);
  if (!(await canIsolateAnalyses(server))) process.stderr.write(`driftbot: ${NO_ISOLATION_WARNING}\n`);
  const swept = await sweepStaleDatabases(server);
  if (swept.length) process.stderr.write(`driftbot: dropped ${swept.length} stale throwaway database(s)\n`);
  const cloneUrl = env.DRIFTBOT_CLONE_URL ?? null;
  const cacheDir = env.DRIFTBOT_CACHE_DIR ?? join(homedir(), '.cache', 'driftbot');
  const concurrency = Number(env.DRIFTBOT_CONCURRENCY ?? 2);
  // Each analysis' builds side by side, on its share of the cores.
  const runners = Math.max(1, Math.floor(availableParallelism() / Math.max(1, concurrency)));
  const queue = new JobQueue(concurrency, (key, error) => process.stderr.write(`driftbot: ${key}: ${(error as Error).stack ?? error}\n`));
  onShutdown(async () => {
    await queue.close();
    await server.stop();
  });
  await run(
    driftbotApp({
      queue,
      engine: {
        analyse: async (request) => {
          // An embedded server that died (crash, OOM kill) is started again for the next job.
          server = await keepServing(server, serverOptions);
          const scope = policy.maxScope === 'static' ? 'static' : request.scope;
          // Built histories and models are kept on the server, per repository (its clone is its identity).
          const cache = new TemplateCache(server, request.repo);
          const report = await analyse({ ...request, scope, server, sandbox: policy.sandbox, python: env.DRIFTBOT_PYTHON ?? null, cache, runners });
          if (policy.warning) report.warnings.push(policy.warning);
          return report;
        },
        checkout: (request, token) => checkoutPullRequest(request, { cacheDir, cloneUrl, token }),
        needsToken: !cloneUrl || cloneUrl.startsWith('https://'),
        ledger: new CheckRunLedger(join(cacheDir, 'open-check-runs.json')),
      },
    }),
  );
}
