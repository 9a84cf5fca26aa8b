/**
 * Prometheus metrics (`/metrics`): queue depth per state (read from the queue database
 * when scraped), analysis durations by phase, job outcomes, failures by cause, and the
 * time from a webhook's delivery to its posted result. One registry per process.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Report } from '../report/report.js';
import { DeadlineExceeded } from '../errors.js';
import { JOB_STATES, type DurableQueue } from './durable-queue.js';

const DEADLINE_TEXT = new DeadlineExceeded(0).message.split(' of ')[0]!;

export type FailureCause = 'analysis' | 'deadline' | 'github' | 'exception' | 'worker-lost';

export class Metrics {
  readonly registry = new Registry();
  private readonly phases: Histogram<'phase'>;
  private readonly outcomes: Counter<'outcome'>;
  private readonly failures: Counter<'cause'>;
  private readonly cacheLookups: Counter<'result'>;
  private readonly posted: Histogram;

  constructor(queue: DurableQueue) {
    const registers = [this.registry];
    new Gauge({
      name: 'driftbot_queue_jobs',
      help: 'Jobs in the queue database, per state (every installation).',
      labelNames: ['state'],
      registers,
      async collect() {
        const depth = await queue.depth();
        for (const state of JOB_STATES) this.set({ state }, depth[state]);
      },
    });
    this.phases = new Histogram({
      name: 'driftbot_analysis_phase_seconds',
      help: 'How long each phase of an analysis took (the report’s timings), and the whole as phase="total".',
      labelNames: ['phase'],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.outcomes = new Counter({ name: 'driftbot_jobs_total', help: 'Jobs ended, per outcome.', labelNames: ['outcome'], registers });
    this.failures = new Counter({ name: 'driftbot_failures_total', help: 'Jobs or analyses that failed, per cause.', labelNames: ['cause'], registers });
    this.cacheLookups = new Counter({
      name: 'driftbot_cache_lookups_total',
      help: 'Kept builds (histories, models) looked up in the template cache, per result: hit (found whole or a part to build on) or miss.',
      labelNames: ['result'],
      registers,
    });
    this.posted = new Histogram({
      name: 'driftbot_delivery_to_posted_seconds',
      help: 'From receiving the webhook to posting its result.',
      buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
  }

  analysed(report: Report): void {
    for (const phase of report.timings.phases) this.phases.observe({ phase: phase.name }, phase.ms / 1000);
    this.phases.observe({ phase: 'total' }, report.timings.totalMs / 1000);
    const lookups = report.environment.cache;
    if (lookups) {
      this.cacheLookups.inc({ result: 'hit' }, lookups.hits);
      this.cacheLookups.inc({ result: 'miss' }, lookups.misses);
    }
    // The report keeps errors as text; DeadlineExceeded's is the one that says the limit was hit.
    if (report.status === 'error') this.failure(report.errors.some((e) => e.message.includes(DEADLINE_TEXT)) ? 'deadline' : 'analysis');
  }

  jobEnded(outcome: string): void {
    this.outcomes.inc({ outcome });
  }

  failure(cause: FailureCause): void {
    this.failures.inc({ cause });
  }

  postedAfter(ms: number): void {
    this.posted.observe(ms / 1000);
  }
}
