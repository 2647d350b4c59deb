import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows the limit within a window and refuses the next call until the window ends', () => {
    const limiter = new RateLimiter(3, 60_000);
    expect([0, 10, 20].map((at) => limiter.hit('key:a', at).allowed)).toEqual([true, true, true]);
    expect(limiter.hit('key:a', 1_000)).toEqual({ allowed: false, retryAfterSeconds: 59 });
    expect(limiter.hit('key:a', 59_999)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.hit('key:a', 60_000)).toEqual({ allowed: true });
  });

  it('keeps one window per tracker', () => {
    const limiter = new RateLimiter(1, 1_000);
    expect(limiter.hit('key:a', 0).allowed).toBe(true);
    expect(limiter.hit('key:a', 1).allowed).toBe(false);
    expect(limiter.hit('key:b', 2).allowed).toBe(true);
    expect(limiter.hit('address:127.0.0.1', 3).allowed).toBe(true);
  });

  it('never tells a refused caller to retry in less than a second', () => {
    const limiter = new RateLimiter(1, 10);
    limiter.hit('t', 0);
    expect(limiter.hit('t', 9)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('forgets ended windows once it holds many trackers', () => {
    const limiter = new RateLimiter(1, 1_000);
    for (let i = 0; i < 10_000; i++) limiter.hit(`address:${i}`, 0);
    expect(limiter.size).toBe(10_000);
    limiter.hit('address:late', 5_000);
    expect(limiter.size).toBe(1);
  });

  it('refuses a limit or window that cannot work', () => {
    expect(() => new RateLimiter(0, 1_000)).toThrow('rate limit must be a whole number from 1');
    expect(() => new RateLimiter(5, 0)).toThrow('rate limit window must be positive');
  });
});
