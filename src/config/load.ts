/**
 * Reading the configuration: `.github/driftbot.yml` when the repository has one,
 * discovery otherwise. Every problem is a ConfigError that names the file, line and
 * column, because the person reading it has to go and fix that exact spot.
 */
import { LineCounter, parseDocument, isNode, type Node } from 'yaml';
import type { DriftbotConfig } from './config.js';
import { configFileSchema } from './schema.js';
import { discoverConfig } from './discover.js';
import type { RepoFiles } from '../workspace/repo-files.js';

export const CONFIG_PATHS = ['.github/driftbot.yml', '.github/driftbot.yaml'];

export class ConfigError extends Error {
  constructor(
    readonly path: string,
    readonly line: number | null,
    readonly column: number | null,
    readonly problem: string,
  ) {
    super(`${path}${line ? `:${line}:${column ?? 1}` : ''}: ${problem}`);
  }
}

export function parseConfig(text: string, path: string): DriftbotConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [syntax] = document.errors;
  if (syntax) {
    const at = lineCounter.linePos(syntax.pos[0]);
    throw new ConfigError(path, at?.line ?? null, at?.col ?? null, `YAML syntax error: ${syntax.message.split('\n')[0]}`);
  }
  const parsed = configFileSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const issuePath = [...issue.path, ...keys.slice(0, 1)] as (string | number)[];
    const node = nodeAt(document.contents, issuePath, keys.length > 0);
    const position = node?.range ? lineCounter.linePos(node.range[0]) : null;
    const where = issuePath.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '') || '(top level)';
    const problem = keys.length ? `unknown key ${keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
    throw new ConfigError(path, position?.line ?? null, position?.col ?? null, `${where}: ${problem}`);
  }
  const file = parsed.data;
  return {
    databases: file.databases.map((database) => ({
      name: database.name,
      chains: database.chains.map((chain) => ({ versions: trimSlashes(chain.versions), versionTable: chain.version_table })),
      models: database.models,
    })),
    python: { paths: file.python.paths.map(trimSlashes), stubMissingImports: file.python.stub_missing_imports, executable: file.python.executable },
    ignore: file.ignore,
    fix: { revision: file.fix.revision },
    upgradeFrom: file.upgrade_from,
    source: path,
    assumptions: [],
  };
}

/** The configuration of a commit: its driftbot.yml, checked against its files, or discovery. */
export async function loadConfig(files: RepoFiles): Promise<DriftbotConfig> {
  const path = CONFIG_PATHS.find((candidate) => files.paths.includes(candidate));
  if (!path) return discoverConfig(files);
  const config = parseConfig((await files.read(path)) ?? '', path);
  config.databases.forEach((database, d) =>
    database.chains.forEach((chain, c) => {
      if (!files.paths.some((file) => file.startsWith(`${chain.versions}/`))) {
        throw new ConfigError(path, null, null, `databases[${d}].chains[${c}].versions: folder "${chain.versions}" does not exist in this commit`);
      }
    }),
  );
  return config;
}

/** The YAML node at a path of keys and indexes; the key node itself for an unknown key. */
function nodeAt(root: unknown, path: (string | number)[], wantKey: boolean): Node | null {
  let node: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const items = (node as { items?: unknown[] })?.items;
    if (!items) return isNode(node) ? node : null;
    if (typeof segment === 'number') {
      node = items[segment];
    } else {
      const pair = items.find((item) => String((item as { key?: { value?: unknown } }).key?.value) === segment) as { key: unknown; value: unknown } | undefined;
      if (!pair) return isNode(node) ? node : null;
      node = wantKey && i === path.length - 1 ? pair.key : (pair.value ?? pair.key);
    }
  }
  return isNode(node) ? node : null;
}

function trimSlashes(path: string): string {
  return path.replace(/^\.\/+/, '').replace(/\/+$/, '');
}
