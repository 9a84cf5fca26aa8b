/**
 * Reading the configuration: `.github/driftbot.yml` when the repository has one,
 * discovery otherwise. Every problem is a ConfigError that names the file, line and
 * column, because the person reading it has to go and fix that exact spot.
 */
import { posix } from 'node:path';
import { LineCounter, parseDocument, isCollection, isNode, isPair, isScalar, type Document, type Node, type Pair } from 'yaml';
import type { z } from 'zod';
import type { DriftbotConfig } from './config.js';
import { configFileSchema, type ConfigFile } from './schema.js';
import { discoverConfig, envPyModels } from './discover.js';
import { ConfigError, located } from './error.js';
import { matchGlobs } from '../workspace/globs.js';
import type { RepoFiles } from '../workspace/repo-files.js';

export { ConfigError } from './error.js';

/** Where a configuration file is looked for, in order: the first present is read. */
export const CONFIG_PATHS = ['.github/driftbot.yml', '.github/driftbot.yaml'];

type KeyPath = (string | number)[];
interface Position {
  line: number;
  column: number;
}

/** A parsed configuration file, and where each of its settings is written. */
interface ParsedConfigFile {
  config: DriftbotConfig;
  positionOf(keys: KeyPath, wantKey?: boolean): Position | null;
  /** Per database, whether the file lists its models (an empty list included). */
  listsModels: boolean[];
}

export function parseConfig(text: string, path: string): DriftbotConfig {
  return readConfigFile(text, path).config;
}

/**
 * The configuration of a commit: its driftbot.yml (or a file given outside the
 * repository, `--config`), checked against its files, or discovery.
 */
export async function loadConfig(files: RepoFiles, given?: { text: string; path: string }): Promise<DriftbotConfig> {
  const [found, ...shadowed] = given ? [given.path] : CONFIG_PATHS.filter((candidate) => files.paths.includes(candidate));
  if (!found) return discoverConfig(files);
  const path = found;
  const { config, positionOf, listsModels } = readConfigFile(given?.text ?? (await files.read(path)) ?? '', path);
  const at = (keys: KeyPath) => positionOf(keys) ?? { line: null, column: null };
  for (const other of shadowed) config.warnings.push(`${other} is ignored: ${path} is read instead`);
  for (const [d, database] of config.databases.entries()) {
    if (listsModels[d]) continue;
    // No models listed: each chain's env.py says which modules target_metadata comes from.
    const found = await envPyModels(
      files,
      database.chains.map((chain) => chain.versions),
      config.python.paths,
    );
    if (!found) continue;
    database.models = found.files;
    config.assumptions.push(
      `${database.name}: models: the modules ${found.envPys.join(' and ')} import${found.envPys.length === 1 ? 's' : ''} for target_metadata: ${found.files.join(', ')}`,
    );
  }
  config.databases.forEach((database, d) => {
    database.chains.forEach((chain, c) => {
      if (files.paths.some((file) => file.startsWith(`${chain.versions}/`))) return;
      const keys = ['databases', d, 'chains', c, 'versions'];
      const { line, column } = at(keys);
      throw new ConfigError(path, line, column, `${keyPathText(keys)}: folder "${chain.versions}" does not exist in this commit`);
    });
    // A glob that selects nothing is likely a typo, but not fatal: the rest still runs.
    database.models.forEach((glob, m) => {
      if (matchGlobs(files.paths, [glob]).length > 0) return;
      const keys = ['databases', d, 'models', m];
      const { line, column } = at(keys);
      config.warnings.push(located(path, line, column, `${keyPathText(keys)}: "${glob}" matches no file in this commit; no models are compared for it`));
    });
  });
  // Settings files and mounted folders must exist at this commit: a typo would leave the
  // project's code without what it reads at import, and fail far from the cause.
  config.python.envFiles.forEach((file, i) => {
    if (files.paths.includes(file)) return;
    const keys = ['python', 'env_file', i];
    const { line, column } = at(keys);
    throw new ConfigError(path, line, column, `${keyPathText(keys)}: file "${file}" does not exist in this commit`);
  });
  config.python.requirements?.forEach((entry, i) => {
    if (files.paths.includes(entry) || files.paths.some((file) => file.startsWith(`${entry}/`))) return;
    const keys = ['python', 'requirements', i];
    const { line, column } = at(keys);
    throw new ConfigError(path, line, column, `${keyPathText(keys)}: "${entry}" does not exist in this commit (give a pyproject.toml, a requirements file, or their folder)`);
  });
  // Written only where the commit has nothing: the repository's own files stay as committed.
  for (const written of Object.keys(config.python.files)) {
    if (!files.paths.includes(written) && !files.paths.some((file) => file.startsWith(`${written}/`))) continue;
    const keys = ['python', 'files', written];
    const { line, column } = at(keys);
    throw new ConfigError(
      path,
      line,
      column,
      `${keyPathText(keys)}: this commit has "${written}" already; python.files writes only what the repository lacks: remove the entry, or give another path`,
    );
  }
  for (const [point, folder] of Object.entries(config.python.mounts)) {
    if (folder === '.' || files.paths.some((file) => file.startsWith(`${folder}/`))) continue;
    const keys = ['python', 'mounts', point];
    const { line, column } = at(keys);
    throw new ConfigError(path, line, column, `${keyPathText(keys)}: folder "${folder}" does not exist in this commit`);
  }
  return config;
}

function readConfigFile(text: string, path: string): ParsedConfigFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const positionAt = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const [syntax] = document.errors;
  if (syntax) {
    const { line, column } = positionAt(syntax.pos[0]);
    throw new ConfigError(path, line, column, `YAML syntax error: ${syntax.message.split('\n')[0]}`);
  }
  const positionOf = (keys: KeyPath, wantKey = false): Position | null => {
    const node = nodeAt(document, keys, wantKey);
    return node?.range ? positionAt(node.range[0]) : null;
  };
  const data = toData(document, path);
  const parsed = configFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // An unknown key is pointed at by its own path, so the position is the key's.
    const keys = (issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path) as KeyPath;
    const { line, column } = positionOf(keys, issue.code === 'unrecognized_keys') ?? { line: null, column: null };
    throw new ConfigError(path, line, column, `${keyPathText(keys)}: ${problemText(issue, valueAt(data, keys))}`);
  }
  return { config: toDomain(parsed.data, path), positionOf, listsModels: parsed.data.databases.map((database) => database.models !== undefined) };
}

/** The document as plain data; an alias bomb or an unsupported tag is a ConfigError too. */
function toData(document: Document, path: string): unknown {
  try {
    return document.toJS();
  } catch (error) {
    throw new ConfigError(path, null, null, `YAML error: ${(error as Error).message}`);
  }
}

function toDomain(file: ConfigFile, path: string): DriftbotConfig {
  return {
    databases: file.databases.map((database) => ({
      name: database.name,
      chains: database.chains.map((chain) => ({ versions: repoPath(chain.versions), versionTable: chain.version_table, schema: chain.schema })),
      models: database.models ?? [],
      install: database.install,
    })),
    python: {
      paths: file.python.paths.map(repoPath),
      stubMissingImports: file.python.stub_missing_imports,
      env: file.python.env,
      envFiles: file.python.env_file.map(repoPath),
      mounts: Object.fromEntries(Object.entries(file.python.mounts).map(([point, folder]) => [point, repoPath(folder)])),
      files: file.python.files,
      requirements: file.python.requirements?.map(repoPath) ?? null,
      version: file.python.version,
    },
    ignore: file.ignore,
    fix: { revision: file.fix.revision },
    upgradeFrom: file.upgrade_from,
    postgres: { version: file.postgres.version },
    source: path,
    assumptions: [],
    // A repository never chooses what runs: the interpreter is the operator's.
    warnings: file.python.executable
      ? [
          `${path}: python.executable is ignored: which Python runs is chosen by whoever runs driftbot, never by the repository (use --python or DRIFTBOT_PYTHON, or the Action's "python" input)`,
        ]
      : [],
  };
}

function problemText(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'unrecognized_keys') return 'unknown key';
  if (issue.code === 'invalid_type') return value === undefined ? 'missing (required)' : issue.message.replace(/^Invalid input: /, '');
  return issue.message;
}

/** `databases[0].chains[1].versions`; the file itself for the empty path. */
function keyPathText(keys: KeyPath): string {
  return (
    keys
      .map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`))
      .join('')
      .replace(/^\./, '') || '(the whole file)'
  );
}

function valueAt(data: unknown, keys: KeyPath): unknown {
  let value = data;
  for (const key of keys) value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[key] : undefined;
  return value;
}

/**
 * The YAML node written at a path of keys and indexes: for the last key, the key itself
 * when `wantKey` (an unknown key is pointed at by its name), else its value. Where the
 * path leaves the document (a missing key), the deepest node that exists.
 */
function nodeAt(document: Document, keys: KeyPath, wantKey: boolean): Node | null {
  let node: unknown = document.contents;
  for (const [i, key] of keys.entries()) {
    const items = isCollection(node) ? (node.items as unknown[]) : null;
    if (!items) break;
    if (typeof key === 'number') {
      if (!isNode(items[key])) break;
      node = items[key];
      continue;
    }
    const pair = items.find((item): item is Pair<Node, Node | null> => isPair(item) && isScalar(item.key) && String(item.key.value) === key);
    if (!pair) break;
    node = (wantKey && i === keys.length - 1) || !pair.value ? pair.key : pair.value;
  }
  return isNode(node) ? node : null;
}

/** A folder as the rest of driftbot writes it: `./db/versions/` → `db/versions`, `./` → `.`. */
function repoPath(path: string): string {
  return posix.normalize(path).replace(/\/+$/, '') || '.';
}
