/**
 * Background work for webhooks: GitHub gives up on a delivery after 10 s, so handlers
 * enqueue and return. At most `concurrency` analyses run at once, one at a time per
 * pull request; a newer request for a pull request supersedes the older one (a queued
 * one is replaced, a running one is told through its AbortSignal, so its result is
 * never posted).
 */
export type Job = (signal: AbortSignal) => Promise<void>;

interface Lane {
  running: AbortController | null;
  queued: Job | null;
}

export class JobQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly waiting: string[] = [];
  private active = 0;
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly onError: (key: string, error: unknown) => void = () => {},
  ) {}

  /** Queues `job` under `key` (a pull request), superseding what is there. */
  enqueue(key: string, job: Job): void {
    if (this.closed) return;
    const lane = this.lanes.get(key) ?? { running: null, queued: null };
    this.lanes.set(key, lane);
    lane.running?.abort();
    if (!lane.queued) this.waiting.push(key);
    lane.queued = job;
    this.pump();
  }

  /** Resolves when nothing is running or queued. */
  idle(): Promise<void> {
    if (this.active === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Graceful shutdown: accepts nothing new, drops what is queued, lets running jobs finish. */
  async close(): Promise<void> {
    this.closed = true;
    for (const key of this.waiting.splice(0)) this.lanes.get(key)!.queued = null;
    await this.idle();
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.active < this.concurrency; ) {
      const key = this.waiting[i]!;
      const lane = this.lanes.get(key)!;
      if (lane.running) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      const job = lane.queued!;
      lane.queued = null;
      lane.running = new AbortController();
      this.active++;
      const controller = lane.running;
      void job(controller.signal)
        .catch((error) => this.onError(key, error))
        .finally(() => {
          this.active--;
          lane.running = null;
          if (!lane.queued) this.lanes.delete(key);
          this.pump();
          if (this.active === 0 && this.waiting.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        });
    }
  }
}
