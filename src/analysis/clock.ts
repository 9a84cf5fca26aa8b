/** Time per named phase, for the report's `timings.phases` and the bench. */
export type Timed = <T>(phase: string, work: () => Promise<T>) => Promise<T>;

export class Clock {
  readonly started = Date.now();
  readonly phases: { name: string; ms: number }[] = [];

  /** Runs `work`, adding its time to `phase` (phases that recur add up). */
  readonly time: Timed = async (phase, work) => {
    const t0 = Date.now();
    try {
      return await work();
    } finally {
      const existing = this.phases.find((p) => p.name === phase);
      if (existing) existing.ms += Date.now() - t0;
      else this.phases.push({ name: phase, ms: Date.now() - t0 });
    }
  };

  elapsed(): number {
    return Date.now() - this.started;
  }
}
