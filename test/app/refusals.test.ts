import { describe, expect, it } from 'vitest';
import { REFUSAL_WINDOW_MS, RefusalLimiter } from '../../src/github/refusals.js';

describe('RefusalLimiter', () => {
  it('answers a person once per pull request per window, then again once the window has passed', () => {
    let now = 1_000_000;
    const limiter = new RefusalLimiter(REFUSAL_WINDOW_MS, () => now);
    const pr1 = { owner: 'o', repo: 'r', number: 1 };
    const pr2 = { owner: 'o', repo: 'r', number: 2 };
    expect(limiter.mayReply(pr1, 'mallory')).toBe(true);
    expect(limiter.mayReply(pr1, 'mallory')).toBe(false);
    expect(limiter.mayReply(pr1, 'MALLORY')).toBe(false);
    expect(limiter.mayReply(pr2, 'mallory')).toBe(true);
    expect(limiter.mayReply(pr1, 'trent')).toBe(true);
    now += REFUSAL_WINDOW_MS - 1;
    expect(limiter.mayReply(pr1, 'mallory')).toBe(false);
    now += 1;
    expect(limiter.mayReply(pr1, 'mallory')).toBe(true);
    expect(limiter.mayReply(pr1, 'mallory')).toBe(false);
  });

  it('stays bounded: expired entries are forgotten once there are many', () => {
    let now = 0;
    const limiter = new RefusalLimiter(1000, () => now);
    for (let i = 0; i < 10_001; i++) limiter.mayReply({ owner: 'o', repo: 'r', number: i }, 'spammer');
    expect(limiter.size).toBe(10_001);
    now = 5000;
    limiter.mayReply({ owner: 'o', repo: 'r', number: 0 }, 'late');
    expect(limiter.size).toBe(1);
  });
});
