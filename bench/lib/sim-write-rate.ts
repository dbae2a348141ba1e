/**
 * The simulator's write rate alone: GslbService creates per second through the Avi client at the
 * leader's concurrency (the client's default limit, 8 requests in flight), on an otherwise idle
 * simulator. It is the ceiling for the leader's full sync, whose writes go through the same client.
 */
import { clientFor, gslbServiceBody, type AviSimHandle } from '../../test/support/avi-sim.js';

/**
 * Requests in flight of the leader's Avi client: amko passes no limit, so the client's default
 * (`concurrency ?? 8` in src/shared/avi/avi-client.ts) applies.
 */
export const AVI_CLIENT_DEFAULT_CONCURRENCY = 8;

/**
 * Fewest creates a rate is taken over. 2,000 took 0.2-0.5 s on a fast machine, where the first
 * requests' compilation and the machine's moment-to-moment speed moved the rate by 2.5x between
 * runs; 10,000 take 1-5 s. The benchmarks take more where they write more.
 */
export const MIN_RATE_CREATES = 10_000;

/**
 * Creates taken untimed first, so that the rate is not that of a simulator still compiling its
 * request path (the first run of a benchmark measured up to 2x below the later ones without it).
 */
export function warmUpCreates(creates: number): number {
  return Math.min(2_000, Math.ceil(creates / 5));
}

/**
 * Creates `creates` GslbServices named `<prefix>-<i>.rate.example.com` after warmUpCreates
 * untimed ones (`<prefix>-warm-<i>`); returns creates/s of the timed ones.
 */
export async function simWriteRate(
  sim: AviSimHandle,
  creates: number,
  prefix = 'rate',
): Promise<{ createsPerSecond: number; seconds: number; concurrency: number }> {
  const concurrency = AVI_CLIENT_DEFAULT_CONCURRENCY;
  const client = clientFor(sim, { concurrency });
  try {
    // One session login before the clock starts, as a running leader has.
    await client.gslbServices.getByName(`${prefix}-warm.rate.example.com`);
    const createAll = async (count: number, name: (i: number) => string): Promise<void> => {
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let i = next++; i < count; i = next++) {
          await client.gslbServices.create(gslbServiceBody(name(i)));
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    };
    await createAll(warmUpCreates(creates), (i) => `${prefix}-warm-${i}.rate.example.com`);
    const started = performance.now();
    await createAll(creates, (i) => `${prefix}-${i}.rate.example.com`);
    const seconds = (performance.now() - started) / 1000;
    return { createsPerSecond: creates / seconds, seconds, concurrency };
  } finally {
    await client.close();
  }
}
