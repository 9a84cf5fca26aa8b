/**
 * `driftbot doctor`: what driftbot finds in a commit and would do with it, as a value
 * (render.ts prints it). It reads the commit's files through git and never runs the
 * repository's code or writes to it; the only programs it starts are git, the
 * operator's Python (asked its version) and the sandbox probe.
 */
import { execFile } from 'node:child_process';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import type { DriftbotConfig } from '../config/config.js';
import { importedFiles, readEnvPy } from '../config/env-py.js';
import { loadConfig } from '../config/load.js';
import { detectSandbox, type SandboxStatus } from '../sandbox/sandbox.js';
import { discoveryFolders, readDependencySet, type DependencySet } from '../environment/dependency-files.js';
import { interpreterAt } from '../environment/interpreters.js';
import { packageIndex, projectInterpreter } from '../environment/install.js';
import { versionText } from '../environment/specifier.js';
import { resolveCommit } from '../workspace/git.js';
import { matchGlobs } from '../workspace/globs.js';
import { repoFilesAt, type RepoFiles } from '../workspace/repo-files.js';
import { summarizeRevisions } from './revisions.js';
import { suggestConfig } from './suggest.js';

const run = promisify(execFile);

export interface DoctorReport {
  commit: { ref: string; sha: string };
  /** `.github/driftbot.yml`, or `discovered`. */
  source: string;
  assumptions: string[];
  warnings: string[];
  databases: DoctorDatabase[];
  /** The files the project's environment would be made from, how they were chosen, or why they cannot be used. */
  dependencies: { files: string[]; requiresPython: string | null; chosenBy: string | null; problem: string | null; leftOut: string[] };
  interpreter: { python: string; chosenBy: string; version: string | null; problem: string | null };
  settings: { envNames: string[]; envFiles: string[]; mounts: Record<string, string>; writtenFiles: string[] };
  sandbox: SandboxStatus;
  suggestedConfig: string;
}

export interface DoctorDatabase {
  name: string;
  chains: DoctorChain[];
  /** The files the models build would import (the models globs matched at this commit). */
  modelFiles: string[];
}

export interface DoctorChain {
  versions: string;
  versionTable: string;
  revisions: number;
  heads: string[];
  /** Null when the folder above versions/ has no env.py. */
  envPy: { path: string; imports: string[]; importedFiles: string[]; targetMetadata: string[] } | null;
}

export interface DoctorOptions {
  repo: string;
  ref: string;
  /** --python / DRIFTBOT_PYTHON; null = driftbot's managed environment. */
  python: string | null;
}

export async function doctor(options: DoctorOptions): Promise<DoctorReport> {
  const sha = await resolveCommit(options.repo, options.ref);
  const files = await repoFilesAt(options.repo, sha);
  const config = await loadConfig(files);
  const { dependencies, set } = await dependencyFiles(files, config);
  const [databases, interpreter, sandbox] = await Promise.all([
    Promise.all(config.databases.map((database) => describeDatabase(files, config, database))),
    options.python || !set ? describeInterpreter(options.python) : describeProjectInterpreter(set, config),
    detectSandbox(),
  ]);
  return {
    commit: { ref: options.ref, sha },
    source: config.source,
    assumptions: config.assumptions,
    warnings: config.warnings,
    databases,
    dependencies,
    interpreter,
    settings: { envNames: Object.keys(config.python.env), envFiles: config.python.envFiles, mounts: config.python.mounts, writtenFiles: Object.keys(config.python.files) },
    sandbox,
    suggestedConfig: suggestConfig(config),
  };
}

async function describeDatabase(files: RepoFiles, config: DriftbotConfig, database: DriftbotConfig['databases'][number]): Promise<DoctorDatabase> {
  const roots = [...new Set([...config.python.paths, '.'])];
  const chains = await Promise.all(
    database.chains.map(async (chain): Promise<DoctorChain> => {
      const inFolder = files.paths.filter((path) => path.startsWith(`${chain.versions}/`) && !path.includes('/__pycache__/'));
      const summary = summarizeRevisions(await Promise.all(inFolder.map(async (path) => ({ path, text: (await files.read(path)) ?? '' }))));
      // Where `alembic init` puts it; a script_location elsewhere is not followed here.
      const envPath = `${posix.dirname(chain.versions)}/env.py`;
      const text = await files.read(envPath);
      const facts = text === null ? null : readEnvPy(text);
      return {
        versions: chain.versions,
        versionTable: chain.versionTable,
        revisions: summary.count,
        heads: summary.heads,
        envPy: facts && {
          path: envPath,
          imports: [...new Set(facts.imports.map((i) => (i.name ? `${i.module}${i.module.endsWith('.') ? '' : '.'}${i.name}` : i.module)))],
          importedFiles: importedFiles(facts, envPath, roots, files.paths),
          targetMetadata: facts.targetMetadata,
        },
      };
    }),
  );
  return { name: database.name, chains, modelFiles: matchGlobs(files.paths, database.models) };
}

/** The files the project's environment would be made from (as an analysis chooses them), and requires-python. */
async function dependencyFiles(files: RepoFiles, config: DriftbotConfig): Promise<{ dependencies: DoctorReport['dependencies']; set: DependencySet | null }> {
  const versions = config.databases.flatMap((database) => database.chains.map((chain) => chain.versions));
  try {
    const set = await readDependencySet(files, config.python.requirements, discoveryFolders(config.python.paths, versions), config.source, packageIndex());
    return {
      set,
      dependencies: {
        files: set?.files.map((file) => file.path) ?? [],
        requiresPython: set?.requiresPython?.specifier ?? null,
        chosenBy: set?.chosenBy ?? null,
        problem: null,
        leftOut: set?.leftOut ?? [],
      },
    };
  } catch (error) {
    return { set: null, dependencies: { files: [], requiresPython: null, chosenBy: null, problem: (error as Error).message, leftOut: [] } };
  }
}

/** The interpreter the project's environment would be made from; nothing is installed here. */
async function describeProjectInterpreter(set: DependencySet, config: DriftbotConfig): Promise<DoctorReport['interpreter']> {
  const version = config.python.version ? { specifier: config.python.version, from: `python.version in ${config.source}` } : null;
  const chosenBy = `the project's own environment, installed with uv on first use (${set.files.map((file) => file.path).join(', ')})${
    version ? `, on the Python ${version.from} asks for` : set.requiresPython ? `, on a Python that fits requires-python in ${set.requiresPython.from}` : ''
  }`;
  try {
    const base = await interpreterAt(process.env.DRIFTBOT_BASE_PYTHON ?? 'python3');
    const chosen = await projectInterpreter(set, version, base?.executable ?? null);
    return { python: chosen.executable, chosenBy, version: versionText(chosen.version), problem: null };
  } catch (error) {
    return { python: '(none)', chosenBy, version: null, problem: (error as Error).message };
  }
}

/** The operator's interpreter, or the one driftbot's managed environment is made from; never built here. */
async function describeInterpreter(python: string | null): Promise<DoctorReport['interpreter']> {
  const base = process.env.DRIFTBOT_BASE_PYTHON ?? 'python3';
  const chosen = python ?? base;
  const chosenBy = python
    ? '--python or DRIFTBOT_PYTHON'
    : `driftbot's managed environment, made on first use from ${base} (DRIFTBOT_BASE_PYTHON) with alembic, SQLAlchemy 2 and psycopg`;
  try {
    const { stdout } = await run(chosen, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { timeout: 10_000 });
    return { python: chosen, chosenBy, version: stdout.trim(), problem: null };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      python: chosen,
      chosenBy,
      version: null,
      problem: code === 'ENOENT' ? `"${chosen}" is not found: install Python 3.10+ or give one with --python` : (error as Error).message.split('\n')[0]!,
    };
  }
}
