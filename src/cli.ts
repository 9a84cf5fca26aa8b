/**
 * `driftbot` on the command line (docs/contract.md §1). Exit codes: 0 no drift, 1 drift
 * found, 2 could not analyse. Progress goes to stderr, the report to stdout or --output.
 */
import { readFile, realpath, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { analyse } from './analysis/analyse.js';
import { SpareStarts } from './analysis/spare-start.js';
import { detectSandbox } from './sandbox/sandbox.js';
import type { Report } from './report/report.js';
import { canIsolateAnalyses, NO_ISOLATION_WARNING, openServer } from './postgres/server.js';
import { sweepStaleDatabases } from './postgres/throwaway.js';
import { TemplateCache } from './postgres/template-cache.js';
import { driftbotCacheFolder } from './cache-folder.js';
import { renderReport, type ReportFormat } from './report/index.js';
import { defaultBaseRef, resolveCommit } from './workspace/git.js';
import { packageVersion } from './version.js';
import { isShuttingDown } from './shutdown.js';
import { POSTGRES_MAJORS } from './postgres/versions.js';
import { configuredPostgresVersion } from './config/postgres-version.js';
import { repoFilesAt } from './workspace/repo-files.js';
import { doctor } from './doctor/doctor.js';
import { clean, renderDoctor } from './doctor/render.js';

const USAGE = `Usage:
  driftbot check [--repo DIR] [--base REF] [--head REF] [--config FILE]
                 [--format text|markdown|json|sarif] [--output FILE]
                 [--database-url URL] [--postgres-version N]
                 [--keep-databases] [--verbose]
                 [--upgrade-from REF]... [--python PATH] [--no-sandbox] [--no-cache]
  driftbot doctor [--repo DIR] [--ref REF] [--python PATH]
  driftbot serve
  driftbot worker
  driftbot --version | --help

doctor  Prints what driftbot finds in a commit (default HEAD) and would do: the
        configuration or what discovery assumed, each chain and its revisions,
        env.py's model modules, dependency files, the Python, the settings, whether
        the sandbox works, and a suggested .github/driftbot.yml. Runs no migration
        and writes nothing.

serve   Runs the GitHub App (Probot). Without APP_ID it starts Probot's setup flow.
        Webhooks are queued in DRIFTBOT_QUEUE_URL (default: an embedded Postgres
        in DRIFTBOT_DATA_DIR) and analysed by DRIFTBOT_CONCURRENCY jobs at once in
        this process (0: by \`driftbot worker\` processes only).

worker  Takes jobs from DRIFTBOT_QUEUE_URL (the queue \`serve\` fills) and runs them,
        DRIFTBOT_CONCURRENCY at once, with the App's credentials (APP_ID,
        PRIVATE_KEY); serves /healthz, /readyz and /metrics on PORT.

check   Builds the repository's databases from --base and --head by running Alembic
        (fresh from head; base upgraded to head; head's models), reports every
        difference and proposes a verified, idempotent migration that fixes it.

  --repo DIR          git work tree to analyse (default: the current directory)
  --base REF          the commit databases are upgraded from (default: the merge-base
                      of origin/HEAD, or main, and --head)
  --head REF          the commit to check (default: HEAD)
  --config FILE       a driftbot.yml to use instead of the repository's .github/driftbot.yml
  --format F          text (default on a terminal), markdown (default otherwise; the
                      exact GitHub comment), json, sarif
  --output FILE       write the report there instead of stdout
  --database-url URL  a Postgres server where driftbot may create and drop its own
                      throwaway databases (or DRIFTBOT_DATABASE_URL); default: an
                      embedded Postgres started for this run
  --postgres-version N
                      production's Postgres major (${POSTGRES_MAJORS.join(', ')}): the embedded
                      server's, which --database-url's must match; wins over the
                      configuration's postgres.version (default: 17, or any major
                      for --database-url)
  --upgrade-from REF  also upgrade databases built from REF (repeatable): a ref, or a
                      tag glob with a count, e.g. 'v*~3' for the last three v* tags
  --python PATH       the Python that runs the migrations, with the project's own
                      dependencies plus alembic, SQLAlchemy 2 and psycopg (or
                      DRIFTBOT_PYTHON); default: each side's own environment,
                      installed with uv from its dependency files (python.requirements),
                      or driftbot's managed one when it has none
  --no-sandbox        run the repository's code without the sandbox (bubblewrap);
                      by default it is used wherever the machine has it
  --no-cache          build everything, keep nothing: by default the history a branch
                      shares with its base and the models build are kept on the server
                      (the embedded one's data stays in driftbot's cache folder) and
                      copied by later runs whose inputs are the same
  --keep-databases    do not drop the throwaway databases (for inspection)
  --verbose           more progress on stderr

Exit codes: 0 no drift, 1 drift found, 2 could not analyse.`;

const FORMATS: ReportFormat[] = ['text', 'markdown', 'json', 'sarif'];

/**
 * The process entry: exits with main's code, except while an interruption is being
 * cleaned up — then the exit hook ends the process (130 or 143) once clean-up is done.
 */
export async function run(argv: string[]): Promise<void> {
  const code = await main(argv);
  if (!isShuttingDown()) process.exit(code);
}

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      repo: { type: 'string' },
      base: { type: 'string' },
      head: { type: 'string' },
      ref: { type: 'string' },
      config: { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string' },
      'database-url': { type: 'string' },
      'postgres-version': { type: 'string' },
      'keep-databases': { type: 'boolean' },
      'upgrade-from': { type: 'string', multiple: true },
      python: { type: 'string' },
      'no-sandbox': { type: 'boolean' },
      'no-cache': { type: 'boolean' },
      verbose: { type: 'boolean' },
      version: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`driftbot ${packageVersion()}\n`);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const [command, ...rest] = positionals;
  if (command === 'serve' || command === 'worker') {
    if (rest.length) return usageError(`unexpected argument "${rest[0]}"`);
    try {
      // Loaded only for these: Probot and pg-boss would add 100 ms to every `check`.
      await (command === 'serve' ? (await import('./serve.js')).serve() : (await import('./worker.js')).work());
    } catch (error) {
      process.stderr.write(`driftbot: ${(error as Error).message}\n`);
      return 2;
    }
    // The server keeps the process alive; it never returns a code.
    return new Promise<number>(() => {});
  }
  if (command === 'doctor') {
    if (rest.length) return usageError(`unexpected argument "${rest[0]}"`);
    try {
      const report = await doctor({ repo: resolve(values.repo ?? '.'), ref: values.ref ?? 'HEAD', python: values.python ?? process.env.DRIFTBOT_PYTHON ?? null });
      process.stdout.write(renderDoctor(report));
      return 0;
    } catch (error) {
      // A configuration error quotes the repository's file: printed without control characters.
      process.stderr.write(`driftbot: ${clean((error as Error).message)}\n`);
      return 2;
    }
  }
  if (command !== 'check') return usageError(`unknown command "${command}"`);
  if (rest.length) return usageError(`unexpected argument "${rest[0]}"`);
  const format = (values.format ?? (process.stdout.isTTY && !values.output ? 'text' : 'markdown')) as ReportFormat;
  if (!FORMATS.includes(format)) return usageError(`--format must be one of ${FORMATS.join(', ')}, not "${values.format}"`);
  const postgresVersion = values['postgres-version'] === undefined ? null : POSTGRES_MAJORS.find((major) => String(major) === values['postgres-version']);
  if (postgresVersion === undefined)
    return usageError(`--postgres-version must be one of ${POSTGRES_MAJORS.join(', ')} (production's Postgres major version), not "${values['postgres-version']}"`);

  const verbose = values.verbose ?? false;
  const progress = (message: string) => {
    const detail = message.startsWith('runner: ') || message.startsWith('postgres: ') || message.startsWith('uv: ');
    if (verbose || !detail) process.stderr.write(`driftbot: ${message}\n`);
  };

  const repo = resolve(values.repo ?? '.');
  // The analysis' folder and runners begin now (spare-start.ts): Python's start overlaps
  // resolving the commits and starting the embedded server instead of following them.
  const python = values.python ?? process.env.DRIFTBOT_PYTHON ?? null;
  const spares = new SpareStarts({
    python,
    sandboxed: values['no-sandbox'] ? false : detectSandbox().then((sandbox) => sandbox.available),
  });
  spares.prepare();
  let report: Report;
  try {
    const headSha = await resolveCommit(repo, values.head ?? 'HEAD');
    const head = { ref: values.head ?? 'HEAD', sha: headSha };
    const base = values.base ? { ref: values.base, sha: await resolveCommit(repo, values.base) } : await defaultBaseRef(repo, headSha);
    const configFile = values.config ? { path: values.config, text: await readConfigFile(values.config) } : null;
    progress(`checking ${head.ref} (${head.sha.slice(0, 7)}) against ${base.ref} (${base.sha.slice(0, 7)})`);

    const caching = !values['no-cache'];
    const server = await openServer({
      databaseUrl: values['database-url'] ?? process.env.DRIFTBOT_DATABASE_URL ?? null,
      data: caching ? { folder: driftbotCacheFolder(), as: 'cache' } : null,
      // The flag wins over the configuration; the head commit's configuration is the one analysed.
      version: postgresVersion ?? (await configuredPostgresVersion(await repoFilesAt(repo, headSha), configFile)),
      log: (line) => progress(`postgres: ${line}`),
    });
    try {
      progress(`PostgreSQL ${server.version} (${server.label})`);
      if (!(await canIsolateAnalyses(server))) progress(NO_ISOLATION_WARNING);
      const swept = await sweepStaleDatabases(server);
      if (swept.length) progress(`dropped ${swept.length} stale throwaway database(s) left by an earlier run`);
      report = await analyse({
        repo,
        base,
        head,
        configFile,
        server,
        log: progress,
        keepDatabases: values['keep-databases'] ?? false,
        upgradeFrom: values['upgrade-from'] ?? [],
        python,
        sandbox: !values['no-sandbox'],
        cache: caching ? new TemplateCache(server, await realpath(repo)) : null,
        spares,
      });
    } finally {
      if (!values['keep-databases']) await server.stop();
      else progress('--keep-databases: the server and its throwaway databases are left running');
    }
  } catch (error) {
    process.stderr.write(`driftbot: ${(error as Error).message}\n`);
    return 2;
  } finally {
    // What the analysis did not take (another layout, another environment) stops.
    await spares.close();
  }

  const rendered = renderReport(report, format, { color: format === 'text' && !values.output && process.stdout.isTTY === true });
  if (values.output) await writeFile(values.output, rendered);
  else process.stdout.write(rendered);
  for (const error of report.errors) {
    const where = [error.path, error.revision].filter(Boolean).join(', ');
    process.stderr.write(`driftbot: error${where ? ` (${where})` : ''}: ${error.message}\n`);
  }
  progress(`${report.status} in ${(report.timings.totalMs / 1000).toFixed(1)} s`);
  return report.status === 'clean' ? 0 : report.status === 'drift' ? 1 : 2;
}

async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`--config ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

function usageError(message: string): number {
  process.stderr.write(`driftbot: ${message}\n\n${USAGE}\n`);
  return 2;
}
