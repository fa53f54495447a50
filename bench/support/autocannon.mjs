// Running and reporting autocannon scenarios, for the benchmarks.
import autocannon from 'autocannon';

export const seconds = Number(process.env.BENCH_SECONDS ?? 10);

export function run(options) {
  return autocannon({ duration: seconds, ...options });
}

export function report(name, result) {
  const ok = result['2xx'];
  const other = result.non2xx + result.errors + result.timeouts;
  console.log(
    `${name}: ${result.requests.average.toFixed(0)} req/s, latency p50 ${result.latency.p50} ms, ` +
      `p99 ${result.latency.p99} ms, max ${result.latency.max} ms (${ok} ok, ${other} not ok)`,
  );
}
