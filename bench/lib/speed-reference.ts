/**
 * The machine's speed when a run starts: the CPU time a fixed JavaScript workload takes in a fresh
 * Node process. The workload is what amko itself spends its time on (JSON text in and out,
 * SHA-256 checksums, collated sorting, Map look-ups) over a fixed, seeded set of objects, so the
 * same build on the same machine gives the same figure, and a machine that runs amko half as fast
 * gives about twice the figure. Results taken on different days can then be told apart from
 * changes in amko: a figure that moved with the reference moved with the machine.
 *
 * `node dist/bench/lib/speed-reference.js` prints `{"cpuMs": …, "rounds": [...]}`: the median of
 * the rounds after a first one that warms the JIT.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../src/sim/avi-controller/seeded-random.js';

const ROUNDS = 5;
const OBJECTS = 20_000;

/** One round of the workload; returns a digest so that none of it can be optimised away. */
export function workload(): string {
  const next = seededRandom(20261202);
  const objects = Array.from({ length: OBJECTS }, (_, i) => ({
    name: `ingress-${i}-${Math.floor(next() * 1e9).toString(36)}`,
    namespace: `ns-${Math.floor(next() * 50)}`,
    hosts: Array.from({ length: 3 }, (_, h) => `h${h}.${Math.floor(next() * 1e6)}.example.com`),
    members: Array.from({ length: 4 }, () => ({
      cluster: `cluster-${Math.floor(next() * 20)}`,
      ip: `10.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}`,
      ratio: Math.floor(next() * 20),
    })),
  }));
  const text = JSON.stringify(objects);
  const parsed = JSON.parse(text) as typeof objects;
  const byName = new Map<string, string>();
  for (const o of parsed) {
    const body = JSON.stringify(o);
    byName.set(`${o.namespace}/${o.name}`, createHash('sha256').update(body).digest('hex'));
  }
  const collator = new Intl.Collator();
  const keys = [...byName.keys()].sort(collator.compare);
  const digest = createHash('sha256');
  for (const k of keys) digest.update(byName.get(k) ?? '');
  return digest.digest('hex');
}

/** CPU milliseconds (user + system) of each of `rounds` rounds in this process. */
export function measureRounds(rounds = ROUNDS): number[] {
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.cpuUsage();
    workload();
    const used = process.cpuUsage(start);
    out.push((used.user + used.system) / 1000);
  }
  return out;
}

function medianOf(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const self = fileURLToPath(import.meta.url);

/**
 * The reference figure, from a fresh Node process: the median CPU milliseconds of the rounds after
 * the first. Throws with the child's output when it fails.
 */
export function speedReferenceMs(): number {
  const text = execFileSync(process.execPath, [self], { encoding: 'utf8', timeout: 120_000 });
  const out = JSON.parse(text) as { cpuMs?: unknown };
  if (typeof out.cpuMs !== 'number' || !(out.cpuMs > 0)) {
    throw new Error(`speed reference: unexpected output ${text.trim()}`);
  }
  return out.cpuMs;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === self) {
  const rounds = measureRounds();
  const cpuMs = Math.round(medianOf(rounds.slice(1)) * 10) / 10;
  console.log(JSON.stringify({ cpuMs, rounds: rounds.map((r) => Math.round(r * 10) / 10) }));
}
