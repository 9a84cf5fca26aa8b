/**
 * The App's next analysis, begun before it arrives: its folder, laid out as prepare.ts
 * lays out one with a single starting point, and its runners (two: fresh and upgraded
 * start together), started in driftbot's Python environment and sandbox with an
 * analysis' limits, their imports done. Python's start with SQLAlchemy's and Alembic's
 * imports is 250 ms that an analysis otherwise waits for once its checkouts are written
 * (they take 50 ms).
 *
 * No repository code has run in a spare: it is what the analysis would have started
 * itself, only earlier. It is used only when the analysis would start exactly those
 * runners (the same options: a project environment, mounts, another limit or several
 * starting points start their own). One spare at a time, made when no analysis runs;
 * one unused for a minute is stopped, so an idle App holds no Python.
 */
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { AlembicRunner, type RunnerOptions } from '../alembic/bridge.js';
import { ensurePythonEnvironment } from '../alembic/python-env.js';
import { onShutdown } from '../shutdown.js';
import { makeLayout, runnerOptions, type Layout } from './layout.js';

const IDLE_MS = 60_000;
/** Runners a spare holds: the two builds that start together (fresh, upgraded), at most the cores. */
const SPARE_RUNNERS = Math.min(2, availableParallelism());

/** What an analysis gets from the spare it takes (prepare.ts). */
export interface Spare {
  layout: Layout;
  /** The folder is the analysis' now: it removes it. */
  adopted(): void;
  /**
   * The spare's runners, when `options` are those they started with (their lines then go to
   * the analysis' log): the first, and the others for the pool; else null.
   */
  runnersFor(options: RunnerOptions): { first: Promise<AlembicRunner | null>; others: Promise<AlembicRunner | null>[] } | null;
  /** Stops the runners if the analysis did not take them. */
  discardUnused(): void;
}

export class SpareStarts {
  private making: Promise<void> | null = null;
  private ready: Made | null = null;
  private idle: NodeJS.Timeout | null = null;
  private closed = false;

  /** `python`: the operator's, as analyses get it (null: driftbot's managed environment); `sandboxed`: whether analyses run in the sandbox. */
  constructor(private readonly settings: { python: string | null; sandboxed: boolean | Promise<boolean> }) {}

  /** Analyses running now: a spare is made only when none is (it would add a Python to their memory, and take a core). */
  private running = 0;

  /** Runs an analysis, and begins the next spare when it was the last one running. */
  async around<T>(analysis: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await analysis();
    } finally {
      this.running--;
      this.prepare();
    }
  }

  /**
   * The spare made meanwhile (its runners may still be starting), waited for when it is
   * on its way: the analysis would start the same runners, later.
   */
  async take(): Promise<Spare | null> {
    if (!this.ready && this.making) await this.making;
    const taken = this.ready;
    this.ready = null;
    if (this.idle) clearTimeout(this.idle);
    return taken ? spareOf(taken) : null;
  }

  /**
   * Begins the next spare, unless one is ready or on its way, or an analysis runs: Python's
   * start would take a core from it (the scan one waited for took 270 ms instead of 65).
   */
  prepare(): void {
    if (this.closed || this.making || this.ready || this.running > 0) return;
    this.making = this.make().then(
      async (made) => {
        this.making = null;
        if (this.closed) return discard(made);
        this.ready = made;
        // Not taken for a while: nothing is waiting, the process goes.
        this.idle = setTimeout(() => this.expire(made), IDLE_MS);
        this.idle.unref();
      },
      () => {
        // No spare this time (the folder could not be made): the analysis starts its own.
        this.making = null;
      },
    );
  }

  /** Stops the spare that is ready (or on its way), if any, and makes no more. */
  async close(): Promise<void> {
    this.closed = true;
    await this.making;
    if (this.idle) clearTimeout(this.idle);
    const ready = this.ready;
    this.ready = null;
    if (ready) await discard(ready);
  }

  private expire(made: Made): void {
    if (this.ready !== made) return;
    this.ready = null;
    void discard(made);
  }

  private async make(): Promise<Made> {
    const layout = await makeLayout(1);
    const python = await (this.settings.python ? Promise.resolve(this.settings.python) : ensurePythonEnvironment()).catch(async (error: unknown) => {
      await rm(layout.workdir, { recursive: true, force: true });
      throw error;
    });
    // Synchronously: a process that ends by exit() runs no asynchronous clean-up, and the folder is nearly empty.
    const forget = onShutdown(() => rmSync(layout.workdir, { recursive: true, force: true }));
    // Its lines go to whichever analysis takes it.
    let log: (line: string) => void = () => {};
    const sandboxed = await this.settings.sandboxed;
    const options: RunnerOptions = { ...runnerOptions({}, layout, { python, sandboxed, mounts: [] }), log: (line) => log(line) };
    const made: Made = {
      layout,
      forget,
      options,
      runners: Array.from({ length: SPARE_RUNNERS }, () => AlembicRunner.start(options).catch(() => null)),
      setLog: (to) => {
        log = to;
      },
    };
    return made;
  }
}

interface Made {
  layout: Layout;
  forget: () => void;
  options: RunnerOptions;
  runners: Promise<AlembicRunner | null>[];
  setLog: (log: (line: string) => void) => void;
}

function spareOf(made: Made): Spare {
  let used = false;
  return {
    layout: made.layout,
    adopted: () => made.forget(),
    runnersFor: (options) => {
      if (used || sameOptions(options) !== sameOptions(made.options)) return null;
      used = true;
      made.setLog(options.log ?? (() => {}));
      const [first, ...others] = made.runners;
      return { first: first!, others };
    },
    discardUnused: () => {
      if (used) return;
      used = true;
      for (const runner of made.runners) void runner.then((started) => started?.kill());
    },
  };
}

/** Options as compared: all but the log, a function (each analysis has its own). */
function sameOptions(options: RunnerOptions): string {
  const { log: _log, ...rest } = options;
  return JSON.stringify(rest);
}

/** A spare nobody took: its runner and folder go. */
async function discard(made: Made): Promise<void> {
  for (const runner of await Promise.all(made.runners)) runner?.kill();
  await rm(made.layout.workdir, { recursive: true, force: true });
  made.forget();
}
