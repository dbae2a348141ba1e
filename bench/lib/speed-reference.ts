/**
 * The machine's speed when a run starts: the CPU time a fixed JavaScript workload takes in a fresh
 * Node process. The workload is what amko itself spends its time on (JSON text in and out,
 * SHA-256 checksums, collated sorting, Map look-ups) over a fixed, seeded set of objects, so the
 * same build on the same machine gives the same figure, and a machine that runs amko half as fast
 * gives about twice the figure. Results taken on different days can then be told apart from
 * changes in amko: a figure that moved with the reference moved with the machine.
 *
 * `node dist/bench/lib/speed-reference.js` prints `{"rounds": [...]}`, CPU ms per round; the figure
 * is the median of the rounds after the first, which warms the JIT (measure.ts).
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

const self = fileURLToPath(import.meta.url);

/**
 * The rounds after the first (which warms the JIT), CPU milliseconds each, from a fresh Node
 * process. Throws with the child's output when it fails.
 */
export function speedReferenceRounds(): number[] {
  const text = execFileSync(process.execPath, [self], { encoding: 'utf8', timeout: 120_000 });
  const out = JSON.parse(text) as { rounds?: unknown };
  const rounds = Array.isArray(out.rounds) ? (out.rounds as unknown[]) : [];
  if (rounds.length < 2 || !rounds.every((r) => typeof r === 'number' && r > 0)) {
    throw new Error(`speed reference: unexpected output ${text.trim()}`);
  }
  return (rounds as number[]).slice(1);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === self) {
  console.log(JSON.stringify({ rounds: measureRounds().map((r) => Math.round(r * 10) / 10) }));
}
