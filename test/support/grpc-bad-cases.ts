/**
 * Bad input for a follower's Federation service, as a table shared by the integration test
 * (test/integration/federation-bad-input.test.ts) and the chaos experiment `grpc-bad-input`.
 * Each case sends one kind of bad input to a running follower and reports the status the call
 * ended with; `runBadCase` (grpc-bad-run.ts) checks that nothing changed on the follower and
 * that it still serves its real leader.
 *
 * Cases marked `admitted` first open a session as the real leader (its certificate, its epoch
 * and log), which replaces the real leader's stream for a moment; the real leader reconnects and
 * may replace ours in turn, which the runner detects and answers by running the case again.
 *
 * Unknown fields are accepted and ignored (proto3 rules, and what the content hash covers): a
 * newer leader may add fields, and nothing the follower does depends on a field it does not know.
 * The `unknown-fields` case checks that a hello, a ping and a (replayed) delta carrying them are
 * answered as without them.
 */
import { readFile } from 'node:fs/promises';
import { credentials, status as Status } from '@grpc/grpc-js';
import { AVI_SYSTEM } from '../../src/shared/crd/common.js';
import {
  channelCredentials,
  clientChannelOptions,
  type FederationTls,
} from '../../src/shared/federation/credentials.js';
import {
  REFUSAL_METADATA,
  MAX_MESSAGE_BYTES,
} from '../../src/shared/federation/federation-names.js';
import type { Hello } from '../../src/shared/federation/gen/amko/federation/v1/Hello.js';
import type { LeaderMessage } from '../../src/shared/federation/gen/amko/federation/v1/LeaderMessage.js';
import type { State__Output } from '../../src/shared/federation/gen/amko/federation/v1/State.js';
import type { FederationProto } from '../../src/shared/federation/proto.js';
import { hashed, toWireObject } from '../../src/shared/federation/replicated-object.js';
import type { FederationCerts } from './certs.js';
import type { Ended } from './grpc.js';
import {
  FederationWire,
  innerOf,
  lengthDelimited,
  unknownFields,
  varint,
} from './grpc-bad-wire.js';
import { grpcFrame, RawFederationClient, sendRawHttp2, type RawStream } from './grpc-raw.js';

/** The follower under test and the identities the cases present. */
export interface BadInputTarget {
  readonly proto: FederationProto;
  readonly certs: FederationCerts;
  /** The follower's federation address and cluster (the TLS server name). */
  readonly address: string;
  readonly follower: string;
  /** The real leader's cluster: the identity of the admitted cases. */
  readonly leader: string;
  /** A cluster with a certificate from the federation CA that the follower does not list. */
  readonly intruder: string;
  readonly version: string;
  /** Hellos of the flood cases (1,000; fewer in short runs). */
  readonly floodHellos: number;
}

/** How a case's call ended (OK: the input was accepted and the case ended the call itself). */
export interface CaseOutcome {
  readonly code: Status;
  readonly details: string;
  /** What else did not hold (an ack of the wrong revision, a state sent to a refused peer…). */
  readonly problems: readonly string[];
}

export interface BadCase {
  readonly name: string;
  /** The bad input, in a sentence. */
  readonly what: string;
  readonly expected: Status;
  /** Opens a session as the real leader first (may be replaced by it: run again). */
  readonly admitted: boolean;
  /** Sends the bad input; `state` is the follower's state just before. */
  run(t: BadInputTarget, state: State__Output): Promise<CaseOutcome>;
}

/** A replica no leader ever sent: applying it would show in the follower's objects. */
const FORGED = toWireObject(
  hashed({
    kind: 'GlobalDeploymentPolicy',
    namespace: AVI_SYSTEM,
    name: 'forged-by-bad-input',
    spec: { ttl: 1 },
    labels: {},
    annotations: {},
  }),
);

/**
 * A follower's State with fixed content. Whether a FollowerMessage decodes as a LeaderMessage
 * depends on its bytes (a State holding other names may read as a second hello, INVALID_ARGUMENT);
 * these bytes do not decode at all (protobufjs: `invalid wire type 4`).
 */
const ECHOED_STATE = Object.freeze({
  cluster: 'cluster2',
  highest_epoch: '5',
  highest_epoch_leader: 'cluster1',
  applied_revision: '3',
  applied_epoch: '5',
  applied_log_id: 'log-1',
  version: 'v1',
  role: 'follower',
});

const ACCEPTED = 'accepted';

function outcome(e: Ended, problems: readonly string[] = [], reason?: string): CaseOutcome {
  const got = e.metadata.get(REFUSAL_METADATA.reason)[0];
  const wrongReason = reason !== undefined && got !== reason;
  const all = wrongReason
    ? [...problems, `refusal reason ${String(got)}, want ${reason}`]
    : problems;
  return { code: e.code, details: e.details, problems: all };
}

function client(t: BadInputTarget, tls: FederationTls, maxSend?: number): RawFederationClient {
  const options = clientChannelOptions(tls, t.follower);
  if (maxSend !== undefined) options['grpc.max_send_message_length'] = maxSend;
  return new RawFederationClient({
    proto: t.proto,
    address: t.address,
    creds: channelCredentials(tls, t.follower),
    options,
  });
}

function helloOf(t: BadInputTarget, s: State__Output, over: Partial<Hello> = {}): LeaderMessage {
  return {
    hello: {
      cluster: t.leader,
      epoch: s.highest_epoch,
      version: t.version,
      log_id: s.applied_log_id,
      ...over,
    },
  };
}

function appliedOf(s: State__Output): number {
  return Number(s.applied_revision);
}

/** Sends `first` on a new stream of the leader's client and waits for its end. */
async function oneShot(
  t: BadInputTarget,
  bytes: (wire: FederationWire) => Buffer,
  opts: { tls?: FederationTls; reason?: string } = {},
): Promise<CaseOutcome> {
  const c = client(t, opts.tls ?? (await t.certs.tls(t.leader)));
  try {
    const s = c.replicate();
    s.send(bytes(new FederationWire(t.proto)));
    const end = await s.ended;
    const problems = s.received.length > 0 ? ['the follower answered a refused stream'] : [];
    return outcome(end, problems, opts.reason);
  } finally {
    c.close();
  }
}

/**
 * Opens a session as the real leader and hands it to `body`; returns how the call ended (the
 * follower's refusal, or `accepted` when `body` returns true and the case cancels the call).
 */
async function asLeader(
  t: BadInputTarget,
  s: State__Output,
  body: (stream: RawStream, wire: FederationWire) => Promise<string[] | undefined>,
  reason?: string,
): Promise<CaseOutcome> {
  const wire = new FederationWire(t.proto);
  const c = client(t, await t.certs.tls(t.leader));
  try {
    const stream = c.replicate();
    stream.send(wire.leader(helloOf(t, s)));
    if (!(await stream.receivedOrEnded(1))) return outcome(await stream.ended);
    const accepted = await body(stream, wire);
    if (accepted === undefined) return outcome(await stream.ended, [], reason);
    const refused = stream.endedWith();
    if (refused) return outcome(refused, accepted);
    stream.close();
    await stream.ended;
    return { code: Status.OK, details: ACCEPTED, problems: accepted };
  } finally {
    c.close();
  }
}

/** Acks the stream received after its state, as revisions. */
function acksOf(stream: RawStream): number[] {
  return stream.received.flatMap((m) => (m.ack ? [Number(m.ack.revision)] : []));
}

/** Waits for `n` acks after the state and says what is wrong with them. */
async function expectAcks(stream: RawStream, n: number, revision: number): Promise<string[]> {
  if (!(await stream.receivedOrEnded(1 + n))) return [`only ${acksOf(stream).length} of ${n} acks`];
  const acks = acksOf(stream);
  return acks.every((a) => a === revision) ? [] : [`acks ${acks.join(',')}, want ${revision}`];
}

/** `wrapped` with its first field's payload cut to `keep` bytes while its prefix promises all. */
function truncated(message: Buffer, keep: number): Buffer {
  return grpcFrame(message.subarray(0, keep), message.length);
}

async function rawHttp2(t: BadInputTarget, body: Buffer): Promise<CaseOutcome> {
  const tls = await t.certs.tls(t.leader);
  if (tls.mode !== 'mtls') throw new Error('bad-input cases need mutual TLS');
  return outcome(await sendRawHttp2({ address: t.address, serverName: t.follower, tls, body }));
}

/** A delta that puts the forged replica at `revision`, with unknown fields in the object. */
function forgedDeltaWithUnknownFields(wire: FederationWire, revision: number): Buffer {
  const object = innerOf(innerOf(wire.leader({ delta: { put: FORGED } })));
  const delta = Buffer.concat([
    varint(8),
    varint(revision),
    lengthDelimited(2, Buffer.concat([object, unknownFields()])),
    unknownFields(),
  ]);
  return Buffer.concat([lengthDelimited(3, delta), unknownFields()]);
}

async function floodOneStream(t: BadInputTarget, s: State__Output): Promise<CaseOutcome> {
  const wire = new FederationWire(t.proto);
  const c = client(t, await t.certs.tls(t.leader));
  try {
    const stream = c.replicate();
    const hello = wire.leader(helloOf(t, s));
    for (let i = 0; i < t.floodHellos; i++) stream.send(hello);
    const end = await stream.ended;
    const states = stream.received.filter((m) => m.state).length;
    return outcome(end, states === 1 ? [] : [`${states} states for ${t.floodHellos} hellos`]);
  } finally {
    c.close();
  }
}

async function floodManyStreams(t: BadInputTarget): Promise<CaseOutcome> {
  const wire = new FederationWire(t.proto);
  const hello = wire.leader({
    hello: { cluster: t.intruder, epoch: '99', version: t.version, log_id: 'flood' },
  });
  const c = client(t, await t.certs.tls(t.intruder));
  const codes = new Map<Status, number>();
  try {
    for (let sent = 0; sent < t.floodHellos; sent += 100) {
      const wave = Array.from({ length: Math.min(100, t.floodHellos - sent) }, () => {
        const stream = c.replicate();
        stream.send(hello);
        return stream.ended;
      });
      for (const e of await Promise.all(wave)) codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
    }
  } finally {
    c.close();
  }
  const denied = codes.get(Status.PERMISSION_DENIED) ?? 0;
  const other = [...codes].filter(([code]) => code !== Status.PERMISSION_DENIED);
  const [first] = other;
  return {
    code: first ? first[0] : Status.PERMISSION_DENIED,
    details: `${denied} of ${t.floodHellos} streams PERMISSION_DENIED`,
    problems: other.map(([code, n]) => `${n} streams ended ${Status[code]}`),
  };
}

/** The cases, in a fixed order (the experiment shuffles them). */
export const BAD_CASES: readonly BadCase[] = Object.freeze([
  {
    name: 'truncated-first-frame',
    what: 'a first frame whose length prefix promises more bytes than sent, then the end of the stream',
    expected: Status.INVALID_ARGUMENT,
    admitted: false,
    run: (t, s) => rawHttp2(t, truncated(new FederationWire(t.proto).leader(helloOf(t, s)), 10)),
  },
  {
    name: 'truncated-frame-after-hello',
    what: 'a hello, then a delta frame cut short, then the end of the stream',
    expected: Status.INVALID_ARGUMENT,
    admitted: true,
    run: (t, s) => {
      const wire = new FederationWire(t.proto);
      const delta = wire.leader({ delta: { revision: String(appliedOf(s) + 1), put: FORGED } });
      const body = Buffer.concat([grpcFrame(wire.leader(helloOf(t, s))), truncated(delta, 12)]);
      return rawHttp2(t, body);
    },
  },
  {
    name: 'oversized-frame',
    what: `a hello of more than ${MAX_MESSAGE_BYTES} bytes (the server's max receive size)`,
    expected: Status.RESOURCE_EXHAUSTED,
    admitted: false,
    run: async (t, s) => {
      const c = client(t, await t.certs.tls(t.leader), -1);
      try {
        const stream = c.replicate();
        const version = 'x'.repeat(MAX_MESSAGE_BYTES);
        stream.send(new FederationWire(t.proto).leader(helloOf(t, s, { version })));
        return outcome(await stream.ended);
      } finally {
        c.close();
      }
    },
  },
  {
    name: 'wrong-type-ack-first',
    what: 'an Ack (a FollowerMessage) as the first message: decodes as a snapshot before any hello',
    expected: Status.INVALID_ARGUMENT,
    admitted: false,
    run: (t) => oneShot(t, (w) => w.follower({ ack: { revision: '7' } })),
  },
  {
    name: 'wrong-type-ack-echo',
    what: 'after a hello, an Ack of the applied revision echoed back: decodes as an empty snapshot at that revision, a replay',
    expected: Status.OK,
    admitted: true,
    run: (t, s) =>
      asLeader(t, s, (stream, wire) => {
        stream.send(wire.follower({ ack: { revision: s.applied_revision } }));
        return expectAcks(stream, 1, appliedOf(s));
      }),
  },
  {
    name: 'wrong-type-object-key',
    what: 'an ObjectKey as the first message: does not decode as a LeaderMessage',
    expected: Status.INTERNAL,
    admitted: false,
    run: (t) =>
      oneShot(t, (w) =>
        innerOf(
          innerOf(
            w.leader({
              delta: { delete: { kind: 'GSLBConfig', namespace: AVI_SYSTEM, name: 'x' } },
            }),
          ),
        ),
      ),
  },
  {
    name: 'wrong-type-state-echo',
    what: 'after a hello, a State (a FollowerMessage, fixed content) sent back: does not decode',
    expected: Status.INTERNAL,
    admitted: true,
    run: (t, s) =>
      asLeader(t, s, (stream, wire) => {
        stream.send(wire.follower({ state: ECHOED_STATE }));
        return Promise.resolve(undefined);
      }),
  },
  {
    name: 'wrong-type-bare-delta',
    what: 'after a hello, a Delta not wrapped in a LeaderMessage: does not decode',
    expected: Status.INTERNAL,
    admitted: true,
    run: (t, s) =>
      asLeader(t, s, (stream, wire) => {
        const delta = { revision: String(appliedOf(s) + 1), put: FORGED };
        stream.send(innerOf(wire.leader({ delta })));
        return Promise.resolve(undefined);
      }),
  },
  {
    name: 'unknown-fields',
    what: 'a hello, a ping and a replayed delta carrying fields the proto does not define',
    expected: Status.OK,
    admitted: true,
    run: async (t, s) => {
      const wire = new FederationWire(t.proto);
      const c = client(t, await t.certs.tls(t.leader));
      try {
        const stream = c.replicate();
        stream.send(wire.leaderWithUnknownFields(helloOf(t, s), 1));
        if (!(await stream.receivedOrEnded(1))) return outcome(await stream.ended);
        stream.send(wire.leaderWithUnknownFields({ ping: { revision: s.applied_revision } }, 4));
        stream.send(forgedDeltaWithUnknownFields(wire, appliedOf(s)));
        const problems = await expectAcks(stream, 2, appliedOf(s));
        const refused = stream.endedWith();
        if (refused) return outcome(refused, problems);
        stream.close();
        return { code: Status.OK, details: ACCEPTED, problems };
      } finally {
        c.close();
      }
    },
  },
  {
    name: 'replayed-revision',
    what: 'a forged delta and a forged snapshot at the revision already applied',
    expected: Status.OK,
    admitted: true,
    run: (t, s) =>
      asLeader(t, s, async (stream, wire) => {
        const revision = s.applied_revision;
        stream.send(wire.leader({ delta: { revision, put: FORGED } }));
        stream.send(wire.leader({ snapshot: { revision, objects: [FORGED], more: false } }));
        return expectAcks(stream, 2, appliedOf(s));
      }),
  },
  {
    name: 'out-of-order-revision',
    what: 'a delta at the applied revision + 2 (a gap)',
    expected: Status.FAILED_PRECONDITION,
    admitted: true,
    run: (t, s) =>
      asLeader(
        t,
        s,
        (stream, wire) => {
          stream.send(wire.leader({ delta: { revision: String(appliedOf(s) + 2), put: FORGED } }));
          return Promise.resolve(undefined);
        },
        'revision-gap',
      ),
  },
  {
    name: 'stale-epoch',
    what: "a hello from the leader's certificate at an epoch below the highest seen",
    expected: Status.FAILED_PRECONDITION,
    admitted: false,
    run: (t, s) => {
      const epoch = String(Number(s.highest_epoch) - 1);
      return oneShot(t, (w) => w.leader(helloOf(t, s, { epoch })), { reason: 'stale-epoch' });
    },
  },
  {
    name: 'no-client-certificate',
    what: 'a TLS client that presents no certificate',
    expected: Status.UNAVAILABLE,
    admitted: false,
    run: async (t, s) => {
      const c = new RawFederationClient({
        proto: t.proto,
        address: t.address,
        creds: credentials.createSsl(await readFile(t.certs.caFile)),
        options: { 'grpc.ssl_target_name_override': t.follower },
      });
      try {
        const stream = c.replicate();
        stream.send(new FederationWire(t.proto).leader(helloOf(t, s)));
        return outcome(await stream.ended);
      } finally {
        c.close();
      }
    },
  },
  {
    name: 'unlisted-cluster',
    what: 'a valid certificate of a cluster the follower does not list',
    expected: Status.PERMISSION_DENIED,
    admitted: false,
    run: async (t, s) =>
      oneShot(t, (w) => w.leader(helloOf(t, s, { cluster: t.intruder })), {
        tls: await t.certs.tls(t.intruder),
      }),
  },
  {
    name: 'hello-flood-one-stream',
    what: 'the hello many times on one stream',
    expected: Status.INVALID_ARGUMENT,
    admitted: true,
    run: floodOneStream,
  },
  {
    name: 'hello-flood-many-streams',
    what: 'one hello on each of many streams, from an unlisted cluster, 100 streams at a time',
    expected: Status.PERMISSION_DENIED,
    admitted: false,
    run: (t) => floodManyStreams(t),
  },
] satisfies BadCase[]);
