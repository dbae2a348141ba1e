/**
 * fast-check arbitraries of valid pieces of AMKO custom resources: names, the shared policy
 * blocks (pool algorithm, down response, health monitors) and optional-field records.
 */
import fc from 'fast-check';
import type {
  DownResponse,
  PoolAlgorithmSettings,
} from '../../src/shared/crd/gslb-policy-types.js';

/** Names as people write them, and a few that are merely legal strings. */
export const name: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,14}$/),
  fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' }),
);

/** `n` distinct names. */
export function distinctNames(min: number, max: number): fc.Arbitrary<string[]> {
  return fc.uniqueArray(name, { minLength: min, maxLength: max });
}

/** A sub-list of `items` (order kept, no repeats). */
export function subList<T>(items: readonly T[]): fc.Arbitrary<T[]> {
  return fc.subarray([...items]);
}

export const ttl = fc.integer({ min: 0, max: 86400 });
export const weight = fc.integer({ min: 1, max: 20 });
const hashMask = fc.integer({ min: 1, max: 31 });

export const ipAddress: fc.Arbitrary<string> = fc.oneof(fc.ipV4(), fc.ipV6());

/** Every valid combination of AMKO's pool algorithm rules. */
export const poolAlgorithm: fc.Arbitrary<PoolAlgorithmSettings> = fc.oneof(
  fc.constant({}),
  fc.constantFrom(
    { lbAlgorithm: 'GSLB_ALGORITHM_ROUND_ROBIN' as const },
    { lbAlgorithm: 'GSLB_ALGORITHM_TOPOLOGY' as const },
  ),
  hashMask.map((m) => ({ lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH' as const, hashMask: m })),
  fc.constant({
    lbAlgorithm: 'GSLB_ALGORITHM_GEO' as const,
    geoFallback: { lbAlgorithm: 'GSLB_ALGORITHM_ROUND_ROBIN' as const },
  }),
  hashMask.map((m) => ({
    lbAlgorithm: 'GSLB_ALGORITHM_GEO' as const,
    geoFallback: { lbAlgorithm: 'GSLB_ALGORITHM_CONSISTENT_HASH' as const, hashMask: m },
  })),
);

/** Every valid down response. */
export const downResponse: fc.Arbitrary<DownResponse> = fc.oneof(
  fc.constantFrom<DownResponse>(
    { type: 'GSLB_SERVICE_DOWN_RESPONSE_NONE' },
    { type: 'GSLB_SERVICE_DOWN_RESPONSE_ALL_RECORDS' },
    { type: 'GSLB_SERVICE_DOWN_RESPONSE_EMPTY' },
  ),
  ipAddress.map((ip) => ({
    type: 'GSLB_SERVICE_DOWN_RESPONSE_FALLBACK_IP' as const,
    fallbackIP: ip,
  })),
);

/** Health monitor refs or a template, never both (no Avi look-ups are made). */
export const healthMonitors: fc.Arbitrary<{
  healthMonitorRefs?: string[];
  healthMonitorTemplate?: string;
}> = fc.oneof(
  fc.constant({}),
  fc.array(name, { minLength: 1, maxLength: 3 }).map((refs) => ({ healthMonitorRefs: refs })),
  fc.constant({ healthMonitorRefs: [] as string[] }),
  name.map((t) => ({ healthMonitorTemplate: t })),
);
