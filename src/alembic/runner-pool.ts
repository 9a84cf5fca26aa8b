/**
 * Runner processes for one analysis, so that its builds (fresh, upgraded, models) run
 * side by side: each runner takes one request at a time, so each build that runs at
 * once gets a process of its own. At most `size` (the machine's cores, shared with the
 * App's other analyses); a runner is started the first time it is needed, with the
 * same options (sandbox, limits, environment) as the first.
 */
import { AlembicRunner, type RunnerOptions } from './bridge.js';

/**
 * Runners the App's analyses may have at once: the machine's cores. Each analysis' first
 * always starts (and counts); another only while fewer run. An analysis alone uses them
 * all (its builds side by side); analyses at once share them.
 */
export class RunnerBudget {
  private used = 0;

  constructor(private readonly size: number) {}

  /** One more runner, unless `size` run already; `always` for an analysis' first. */
  take(always = false): boolean {
    if (!always && this.used >= this.size) return false;
    this.used++;
    return true;
  }

  give(): void {
    this.used--;
  }
}

export class RunnerPool {
  private readonly idle: AlembicRunner[];
  private readonly all: AlembicRunner[];
  private readonly waiting: ((runner: AlembicRunner) => void)[] = [];
  private starting = 0;
  private closed = false;

  /** Units of `budget` this pool holds, given back when it closes. */
  private held = 0;

  constructor(
    private readonly options: RunnerOptions,
    private readonly size: number,
    /** The runner already started (the tree's own: scans, the fix). */
    readonly first: AlembicRunner,
    /** Shared with other analyses (the App's): the others start only while it has room. */
    private readonly budget: RunnerBudget | null = null,
  ) {
    this.idle = [first];
    this.all = [first];
    if (budget?.take(true)) this.held++;
  }

  /** Whether another runner may start now: below `size`, and within the shared budget (which it then holds). */
  private mayStartAnother(): boolean {
    if (this.closed || this.all.length + this.starting >= this.size) return false;
    if (!this.budget) return true;
    if (!this.budget.take()) return false;
    this.held++;
    return true;
  }

  /**
   * Starts the other runners now, in the background: Python's start and its imports
   * then overlap the revisions' scan instead of delaying the first build that needs one.
   */
  prestart(): void {
    while (this.mayStartAnother()) {
      this.starting++;
      AlembicRunner.start(this.options).then(
        (runner) => {
          this.starting--;
          this.all.push(runner);
          if (this.closed) runner.kill();
          else this.release(runner, { fresh: true });
        },
        () => {
          // Not fatal here: the build that needs a runner starts one and reports why it cannot.
          this.starting--;
        },
      );
    }
  }

  /**
   * A runner started elsewhere with the same options (the App's spare start): one of the
   * pool's, within its size and the shared budget; else, or closed, it is stopped.
   */
  adopt(runner: AlembicRunner): void {
    if (!this.mayStartAnother()) {
      runner.kill();
      return;
    }
    this.all.push(runner);
    this.release(runner);
  }

  /** Runs `work` on a runner no other work uses meanwhile. */
  async use<T>(work: (runner: AlembicRunner) => Promise<T>): Promise<T> {
    const runner = await this.acquire();
    try {
      return await work(runner);
    } finally {
      this.release(runner);
    }
  }

  private async acquire(): Promise<AlembicRunner> {
    // The one that worked last: a runner just started is still importing (start() returns at
    // spawn), and work given to it waited 250 ms while one that had answered sat idle.
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.mayStartAnother()) {
      this.starting++;
      try {
        const runner = await AlembicRunner.start(this.options);
        this.all.push(runner);
        // Closed while it started: it goes at once.
        if (this.closed) runner.kill();
        return runner;
      } finally {
        this.starting--;
      }
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Back to whoever waits, else idle: on top, or, just started (`fresh`), at the bottom. */
  private release(runner: AlembicRunner, { fresh = false } = {}): void {
    const next = this.waiting.shift();
    if (next) next(runner);
    else if (fresh) this.idle.unshift(runner);
    else this.idle.push(runner);
  }

  kill(): void {
    this.closed = true;
    for (const runner of this.all) runner.kill();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.all.map((runner) => runner.close()));
    for (; this.held > 0; this.held--) this.budget?.give();
  }
}
