import { afterEach } from 'node:test';
import fc from 'fast-check';

/**
 * The seed of every random input in a test file: `REPLAYLINK_SEED` when set (to replay a
 * failure), else a fresh one. `useSeed()` seeds fast-check with it, returns a seeded
 * `random()` in place of `Math.random`, and prints the seed under each failed test.
 */
export const SEED = seedFromEnv(process.env.REPLAYLINK_SEED);

function seedFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return (Math.random() * 2 ** 32) >>> 0;
  const seed = Number(value);
  if (!Number.isSafeInteger(seed)) throw new Error(`REPLAYLINK_SEED is not an integer: ${value}`);
  return seed >>> 0;
}

/** mulberry32: a small, fast 32-bit generator; the same seed gives the same sequence. */
export function randomFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

let used = false;

/** Call once at the top of a test file that draws random values. */
export function useSeed(): () => number {
  if (!used) {
    used = true;
    fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: SEED });
    afterEach((context) => {
      // `passed` is there from Node 20.12 (older @types/node lack it).
      const t = context as { passed?: boolean; diagnostic?: (message: string) => void };
      if (t.passed === false)
        t.diagnostic?.(`random seed ${SEED}: rerun with REPLAYLINK_SEED=${SEED}`);
    });
  }
  return randomFrom(SEED);
}
