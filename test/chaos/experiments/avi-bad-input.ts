/**
 * Chaos experiment `avi-bad-input`: the Avi client and the leader's GslbService sync layer
 * against unusable answers from the real simulator (broken JSON, a 200 with an HTML page,
 * objects without uuid, `next` links that loop, 50 MB bodies), in a seeded order with seeded
 * repeats. Each answer must be retried (a transient read) or reported with its typed code, never
 * crash or hang, and never leave a duplicate object: a create whose answer was garbage is not
 * re-POSTed blindly, the next pass meets 409 and reads the object back.
 */
import type { AviClient } from '../../../src/shared/avi/avi-client.js';
import { OperatorError } from '../../../src/shared/errors.js';
import { gslbKey } from '../../../src/shared/keys.js';
import {
  type AviSimHandle,
  clientFor,
  type FaultSpec,
  gslbServiceBody,
  startAviSim,
} from '../../support/avi-sim.js';
import { gsSyncFor, syncPasses } from '../../support/gs-sync.js';
import {
  type Experiment,
  type ExperimentContext,
  randomInt,
  type ResultRow,
} from '../experiment.js';

type Outcome = 'retried' | 'reported' | 'crashed' | 'hung';

interface BadInputCase {
  readonly name: string;
  /** What is injected, for the report. */
  readonly injected: string;
  /** `read`: a paged list of three seeded GSs; `create`: the leader's sync of a new GS. */
  readonly kind: 'read' | 'create';
  readonly expect: { outcome: 'retried' | 'reported'; code: string };
  faults(random: () => number): FaultSpec[];
}

interface RunResult {
  outcome: Outcome;
  error: string;
  duplicates: number;
  /** The controller does not hold what it should (objects missing, or a resync would write). */
  divergent: boolean;
}

const SEEDED = ['a.bad-input.example.com', 'b.bad-input.example.com', 'c.bad-input.example.com'];
const NEW_GS = 'new.bad-input.example.com';
const HTML = '<!DOCTYPE html><html><head><title>Avi Login</title></head><body>…</body></html>';
const CUT = '{"count": 3, "results": [{"uuid": "gslbservice-';
const BIG = 50 * 1024 * 1024;
const DEADLINE_MS = 60_000;

const GET = { method: 'GET', objectType: 'gslbservice' };
const POST = { method: 'POST', objectType: 'gslbservice' };

/** Fewer than the client's 4 attempts, so a read gets through on a retry. */
const transient = (random: () => number): number => randomInt(random, 1, 3);

const CASES: readonly BadInputCase[] = Object.freeze<BadInputCase[]>([
  {
    name: 'malformed-json-read',
    injected: 'cut-off JSON answering a list GET, 1-3 times in a row',
    kind: 'read',
    expect: { outcome: 'retried', code: 'AVI_BAD_REPLY' },
    faults: (r) => [
      {
        match: GET,
        effect: { rawBody: CUT, contentType: 'application/json' },
        count: transient(r),
      },
    ],
  },
  {
    name: 'malformed-json-create',
    injected: 'cut-off JSON answering a GslbService create that was carried out',
    kind: 'create',
    expect: { outcome: 'reported', code: 'AVI_BAD_REPLY' },
    faults: () => [
      {
        match: POST,
        effect: { apply: true, rawBody: CUT, contentType: 'application/json' },
        count: 1,
      },
    ],
  },
  {
    name: 'html-200-read',
    injected: 'a 200 with an HTML login page answering a list GET, 1-3 times in a row',
    kind: 'read',
    expect: { outcome: 'retried', code: 'AVI_BAD_REPLY' },
    faults: (r) => [{ match: GET, effect: { rawBody: HTML }, count: transient(r) }],
  },
  {
    name: 'html-200-create',
    injected: 'a 200 with an HTML proxy page answering a GslbService create that was carried out',
    kind: 'create',
    expect: { outcome: 'reported', code: 'AVI_BAD_REPLY' },
    faults: () => [{ match: POST, effect: { apply: true, status: 200, rawBody: HTML }, count: 1 }],
  },
  {
    name: 'no-uuid-create',
    injected: 'a GslbService create answered with the object minus its uuid',
    kind: 'create',
    expect: { outcome: 'reported', code: 'AVI_BAD_REPLY' },
    faults: () => [{ match: POST, effect: { dropField: 'uuid' }, count: 1 }],
  },
  {
    name: 'no-uuid-list',
    injected: 'list pages whose objects have no uuid, on every attempt',
    kind: 'read',
    expect: { outcome: 'reported', code: 'AVI_BAD_REPLY' },
    faults: () => [{ match: GET, effect: { dropField: 'uuid' } }],
  },
  {
    name: 'next-loop-self',
    injected: 'a last page whose next link points to itself',
    kind: 'read',
    expect: { outcome: 'reported', code: 'AVI_BAD_REPLY' },
    faults: () => [{ match: GET, effect: { nextLoop: 'self' } }],
  },
  {
    name: 'next-loop-first',
    injected: 'a last page whose next link points back to page 1',
    kind: 'read',
    expect: { outcome: 'reported', code: 'AVI_BAD_REPLY' },
    faults: () => [{ match: GET, effect: { nextLoop: 'first' } }],
  },
  {
    name: 'body-50mb-read',
    injected: 'a 50 MB list page, chunked or with its Content-Length',
    kind: 'read',
    expect: { outcome: 'reported', code: 'AVI_REPLY_TOO_LARGE' },
    faults: (r) => [{ match: GET, effect: { bodyBytes: BIG, declareLength: r() < 0.5 }, count: 1 }],
  },
  {
    name: 'body-50mb-create',
    injected: 'a 50 MB answer to a GslbService create that was carried out',
    kind: 'create',
    expect: { outcome: 'reported', code: 'AVI_REPLY_TOO_LARGE' },
    faults: () => [{ match: POST, effect: { bodyBytes: BIG }, count: 1 }],
  },
]);

/** The value of `promise`, or `hung` when it has not settled within `ms`. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => {
      resolve('hung');
    }, ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function namesOf(sim: AviSimHandle, type: string): Promise<string[]> {
  return ((await sim.control.objects({ type }))[type] ?? []).map((o) => String(o['name']));
}

const surplus = (names: readonly string[]): number => names.length - new Set(names).size;

/** A paged list of the seeded GSs through the fault. */
async function runRead(sim: AviSimHandle, client: AviClient): Promise<RunResult> {
  const listed = withDeadline(
    client.gslbServices.list({ pageSize: 2 }).then(
      (all): Omit<RunResult, 'duplicates' | 'divergent'> & { seen: string[] } => ({
        outcome: 'retried',
        error: '',
        seen: all.map((g) => g.name),
      }),
      (err: unknown) => ({ ...classify(err), seen: [] }),
    ),
    DEADLINE_MS,
  );
  const got = await listed;
  if (got === 'hung') return { outcome: 'hung', error: '', duplicates: 0, divergent: false };
  await sim.control.clearFaults();
  const stored = await namesOf(sim, 'gslbservice');
  const readWrong = got.outcome === 'retried' && got.seen.join() !== SEEDED.join();
  return {
    outcome: got.outcome,
    error: got.error,
    duplicates: surplus(got.seen) + surplus(stored),
    divergent: readWrong || stored.join() !== SEEDED.join(),
  };
}

function classify(err: unknown): { outcome: Outcome; error: string } {
  if (err instanceof OperatorError) return { outcome: 'reported', error: err.code };
  return {
    outcome: 'crashed',
    error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
  };
}

/** The outcome of the sync passes: the first error met is what the client reported. */
function syncOutcome(synced: { errors: string[]; fatal?: unknown }): {
  outcome: Outcome;
  error: string;
} {
  if (synced.fatal !== undefined) return classify(synced.fatal);
  const first = synced.errors[0];
  return first === undefined
    ? { outcome: 'retried', error: '' }
    : { outcome: 'reported', error: first };
}

/** The leader's sync of a new GS through the fault, then passes until it settles. */
async function runCreate(sim: AviSimHandle, client: AviClient): Promise<RunResult> {
  const synced = await withDeadline(
    gsSyncFor(client, NEW_GS).then((r) => syncPasses(r, NEW_GS)),
    DEADLINE_MS,
  );
  if (synced === 'hung') return { outcome: 'hung', error: '', duplicates: 0, divergent: false };
  await sim.control.clearFaults();
  const gs = await namesOf(sim, 'gslbservice');
  const hms = await namesOf(sim, 'healthmonitor');
  // A fresh leader reading the controller must find nothing left to write.
  const again = await (
    await gsSyncFor(client, NEW_GS)
  )
    .reconcile(gslbKey('admin', NEW_GS))
    .catch(() => 'failed');
  return {
    ...syncOutcome(synced),
    duplicates: Math.max(0, gs.length - 1) + Math.max(0, hms.length - 1),
    divergent: gs.join() !== NEW_GS || hms.length !== 1 || again !== 'unchanged',
  };
}

async function runOnce(
  sim: AviSimHandle,
  c: BadInputCase,
  random: () => number,
): Promise<RunResult> {
  const client = clientFor(sim);
  try {
    await sim.control.reset({ empty: true });
    if (c.kind === 'read') {
      await sim.control.seed({ objects: { gslbservice: SEEDED.map((n) => gslbServiceBody(n)) } });
    }
    await client.login();
    await sim.control.faults(c.faults(random));
    return c.kind === 'read' ? await runRead(sim, client) : await runCreate(sim, client);
  } catch (err) {
    // Setting up or checking failed (the simulator itself gone, or an untyped error).
    return { ...classify(err), outcome: 'crashed', duplicates: 0, divergent: true };
  } finally {
    await client.close();
  }
}

/** The runs in a seeded order: each case once (short) or 2-4 times. */
function schedule(ctx: ExperimentContext): BadInputCase[] {
  const runs = CASES.flatMap((c) =>
    Array.from({ length: ctx.short ? 1 : randomInt(ctx.random, 2, 4) }, () => c),
  );
  for (let i = runs.length - 1; i > 0; i--) {
    const j = randomInt(ctx.random, 0, i);
    [runs[i], runs[j]] = [runs[j]!, runs[i]!];
  }
  return runs;
}

/** What is wrong with one run (empty when it was refused cleanly). */
function problemsOf(c: BadInputCase, run: number, r: RunResult): string[] {
  const at = `${c.name} run ${run}`;
  const out: string[] = [];
  if (r.outcome === 'crashed') out.push(`${at}: crashed (${r.error})`);
  else if (r.outcome === 'hung') out.push(`${at}: no answer within ${DEADLINE_MS / 1000} s`);
  else if (r.outcome !== c.expect.outcome || (r.error !== '' && r.error !== c.expect.code)) {
    out.push(`${at}: ${r.outcome} ${r.error}, expected ${c.expect.outcome} ${c.expect.code}`);
  }
  if (r.duplicates > 0) out.push(`${at}: ${r.duplicates} duplicate object(s) on the controller`);
  if (r.divergent) out.push(`${at}: the controller does not hold the expected objects`);
  return out;
}

const joined = (values: readonly string[]): string =>
  [...new Set(values.filter((v) => v !== ''))].join('/');

function rowsOf(results: readonly { c: BadInputCase; r: RunResult }[]): ResultRow[] {
  return CASES.map((c) => {
    const mine = results.filter((x) => x.c === c).map((x) => x.r);
    return {
      case: c.name,
      runs: mine.length,
      outcome: joined(mine.map((r) => r.outcome)),
      error: joined(mine.map((r) => (r.outcome === 'retried' ? c.expect.code : r.error))),
      duplicates: mine.reduce((n, r) => n + r.duplicates, 0),
    };
  });
}

export const experiment: Experiment = {
  name: 'avi-bad-input',
  async run(ctx: ExperimentContext) {
    const runs = schedule(ctx);
    const results: { c: BadInputCase; r: RunResult }[] = [];
    const violations: string[] = [];
    const sim = await startAviSim();
    try {
      for (const [i, c] of runs.entries()) {
        const r = await runOnce(sim, c, ctx.random);
        ctx.log(`${i + 1}/${runs.length} ${c.name}: ${r.outcome} ${r.error}`);
        results.push({ c, r });
        violations.push(...problemsOf(c, results.filter((x) => x.c === c).length, r));
      }
    } finally {
      await sim.stop();
    }
    const clean = results.filter(({ c, r }, i) => problemsOf(c, i, r).length === 0).length;
    return {
      name: 'avi-bad-input',
      description:
        'The Avi client (reads) and the leader sync layer (creates) against the simulator ' +
        'answering with broken JSON, HTML pages, objects without uuid, looping next links ' +
        'and 50 MB bodies, in a seeded order; every answer must be retried or reported with ' +
        'its code, with no crash, hang or duplicate object.',
      figures: {
        invalidInputsTried: results.length,
        invalidInputsRefusedCleanly: clean,
        crashes: results.filter(({ r }) => r.outcome === 'crashed').length,
        finalDivergence: results.filter(({ r }) => r.divergent || r.duplicates > 0).length,
      },
      measures: { cases: CASES.length, runs: results.length },
      injected: CASES.map((c) => `${c.name}: ${c.injected}`),
      rows: rowsOf(results),
      violations,
    };
  },
};
