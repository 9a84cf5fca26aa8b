/**
 * Where head's history departs from base's, from git alone: the chains, and the
 * revisions of the first chain that differs, that base and head have identically (same
 * ids, same order, same files). That history is built once — as a template the fresh
 * and the upgraded databases are both copied from — instead of twice: a pull request
 * that only appends revisions replays base's history once, not twice.
 */
import type { ScanResult } from '../alembic/bridge.js';
import type { ChainConfig } from '../config/config.js';
import type { RevisionFile } from './edited-migrations.js';

export interface SharedHistory {
  /** Chains shared whole, from the first. */
  wholeChains: number;
  /** Then, in the next chain, the last revision of the shared part (null: none of it). */
  upTo: string | null;
}

export interface ChainHistory {
  config: ChainConfig;
  /** Base's configuration of the same chain; null when base did not have it. */
  baseConfig: ChainConfig | null;
  head: ScanResult;
  base: ScanResult | null;
  headFiles: RevisionFile[];
  baseFiles: RevisionFile[];
}

export function sharedHistory(chains: ChainHistory[]): SharedHistory | null {
  let wholeChains = 0;
  for (const chain of chains) {
    // Only a sound graph, in the same folder, version table and schema, has an order to share.
    if (!chain.base || !chain.baseConfig || chain.head.problems.length || chain.base.problems.length) break;
    if (chain.baseConfig.versions !== chain.config.versions || chain.baseConfig.versionTable !== chain.config.versionTable || chain.baseConfig.schema !== chain.config.schema)
      break;
    const base = byId(chain.baseFiles);
    const head = byId(chain.headFiles);
    const [baseOrder, headOrder] = [chain.base.order, chain.head.order];
    let same = 0;
    while (same < baseOrder.length && same < headOrder.length && baseOrder[same] === headOrder[same] && sameFile(base.get(baseOrder[same]!), head.get(headOrder[same]!))) same++;
    if (same === baseOrder.length && same === headOrder.length) {
      wholeChains++;
      continue;
    }
    return wholeChains || same ? { wholeChains, upTo: same ? baseOrder[same - 1]! : null } : null;
  }
  return wholeChains ? { wholeChains, upTo: null } : null;
}

/**
 * Whether the shared part is all of base's history: every chain of base shared whole,
 * but maybe the last, whose shared part ends where base's does (head only adds to it).
 */
export function sharesAllOfBase(history: { shared: SharedHistory; chains: ChainHistory[] }): boolean {
  const { wholeChains, upTo } = history.shared;
  if (upTo === null) return wholeChains === history.chains.length;
  const last = history.chains[wholeChains];
  return wholeChains === history.chains.length - 1 && last?.base?.order[last.base.order.length - 1] === upTo;
}

function byId(files: RevisionFile[]): Map<string, RevisionFile> {
  return new Map(files.map((file) => [file.revision, file]));
}

function sameFile(a: RevisionFile | undefined, b: RevisionFile | undefined): boolean {
  return a !== undefined && b !== undefined && a.path === b.path && a.content === b.content;
}
