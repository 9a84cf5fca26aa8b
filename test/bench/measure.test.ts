/**
 * The bench's memory sampling (bench/measure.ts) sees a process's descendants, not only
 * the process: driftbot's Python runners are its children.
 */
import { describe, expect, it } from 'vitest';
import { median, runMeasured } from '../../bench/measure.js';

describe('the bench measurements', () => {
  it('counts the resident memory of a grandchild in the peak of the tree', async () => {
    // sh stays the parent (a command follows), python allocates and touches 64 MiB.
    const run = await runMeasured('sh', ['-c', 'python3 -c "import time; x = bytearray(64 * 2**20); time.sleep(0.6)"; true'], { env: { PATH: process.env.PATH ?? '' } });
    expect(run.code).toBe(0);
    expect(run.peakRss).toBeGreaterThan(64 * 2 ** 20);
  });

  it('takes the middle value as the median', () => {
    expect(median([30, 10, 20])).toBe(20);
    expect(median([5])).toBe(5);
  });
});
