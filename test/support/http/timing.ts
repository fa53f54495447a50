import { performance } from 'node:perf_hooks';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Median time of `attempt(unknown)` over median time of `attempt(known)`: near 1 when a failed
 * sign-in does not reveal whether the account exists.
 */
export async function unknownToKnownTimeRatio(
  attempt: (email: string) => Promise<unknown>,
  known: string,
  unknown: string,
): Promise<number> {
  const time = async (email: string) => {
    const start = performance.now();
    await attempt(email);
    return performance.now() - start;
  };
  for (let i = 0; i < 3; i++) {
    await time(unknown);
    await time(known);
  }
  const unknownTimes: number[] = [];
  const knownTimes: number[] = [];
  // Alternated, so that any slowdown of the machine hits both series alike.
  for (let i = 0; i < 15; i++) {
    unknownTimes.push(await time(unknown));
    knownTimes.push(await time(known));
  }
  return median(unknownTimes) / median(knownTimes);
}
