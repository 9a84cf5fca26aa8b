/**
 * Replies to people who may not drive driftbot, rationed: at most one per person per
 * pull request per window. A refusal is a comment the bot posts, and anyone who can
 * comment or label must not be able to make it flood a pull request. In memory: a
 * restart forgets, which costs at most one more reply each.
 */
import { pullRequestKey, type PullRequestTarget } from './client.js';

export const REFUSAL_WINDOW_MS = 10 * 60_000;
/** Past this many remembered refusals, the expired ones are forgotten. */
const PRUNE_AT = 10_000;

export class RefusalLimiter {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly windowMs = REFUSAL_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `login` may be answered on this pull request now (and notes that they were). */
  mayReply(target: PullRequestTarget, login: string): boolean {
    const key = `${pullRequestKey(target)} ${login.toLowerCase()}`;
    const now = this.now();
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.windowMs) return false;
    this.last.set(key, now);
    if (this.last.size > PRUNE_AT) for (const [k, at] of this.last) if (now - at >= this.windowMs) this.last.delete(k);
    return true;
  }

  /** How many refusals are remembered. */
  get size(): number {
    return this.last.size;
  }
}
