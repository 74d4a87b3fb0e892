/** Wall clock plus a skew that tests move forward, so token expiry and message age need no sleeping. */
export interface FakeClock {
  now: () => number;
  /** Moves the fake's time; negative values move it back. */
  advance: (ms: number) => void;
}

export function createFakeClock(base: () => number = Date.now): FakeClock {
  let skew = 0;
  return {
    now: () => base() + skew,
    advance: (ms) => {
      skew += ms;
    },
  };
}
