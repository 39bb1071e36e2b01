// A seeded random source, so a soak that found a violation can be run again with the same choices
// (CHAOS_SEED). Written here because none of our dependencies has a seedable generator and this is
// the whole of one (mulberry32); Math.random cannot be seeded.
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  /** An independent stream for one actor, so adding an actor does not shift the others' choices. */
  fork(salt: number): Random;
}

export function seeded(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick: (xs) => xs[Math.floor(next() * xs.length)] as (typeof xs)[number],
    fork: (salt) => seeded((seed ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0),
  };
}
