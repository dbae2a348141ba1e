import assert from 'node:assert/strict';
import {
  deletedObject,
  toWireWritten,
  type WrittenObject,
} from '../shared/federation/controller-view.js';
import type { ControllerObject__Output } from '../shared/federation/gen/amko/federation/v1/ControllerObject.js';
import { gdpReplica } from './replica-fixtures.js';
import { EventEmitter } from 'node:events';
import { status as Status, type StatusObject } from '@grpc/grpc-js';
import { REFUSAL_METADATA } from '../shared/federation/federation-names.js';
import type { ReplicateCall } from '../shared/federation/federation-server.js';
import type { FollowerMessage } from '../shared/federation/gen/amko/federation/v1/FollowerMessage.js';
import type { LeaderMessage__Output } from '../shared/federation/gen/amko/federation/v1/LeaderMessage.js';
import type { ReplicatedObject__Output } from '../shared/federation/gen/amko/federation/v1/ReplicatedObject.js';
import type { State } from '../shared/federation/gen/amko/federation/v1/State.js';
import {
  toWireObject,
  type HashedContent,
  type ReplicaKey,
} from '../shared/federation/replicated-object.js';
import { silentLogger } from '../shared/telemetry/logger.js';
import {
  ReplicationSession,
  type AppliedPosition,
  type SessionHost,
} from './replication-session.js';

/** A Replicate call: the test emits what the leader sends and reads what the session wrote. */
class FakeCall extends EventEmitter {
  readonly written: FollowerMessage[] = [];
  status: StatusObject | undefined;
  ended = false;

  write(m: FollowerMessage): boolean {
    this.written.push(m);
    return true;
  }

  end(): void {
    this.ended = true;
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') {
      this.status = args[0] as StatusObject;
      return true;
    }
    return super.emit(event, ...args);
  }

  get acks(): string[] {
    return this.written.flatMap((m) => (m.ack ? [String(m.ack.revision)] : []));
  }
}

/** A host that admits every hello and records what it was asked to apply. */
class FakeHost implements SessionHost {
  readonly applied: string[] = [];
  /** One entry per `heard`: the session's claimed leader. */
  readonly heardFrom: string[] = [];
  constructor(public pos: AppliedPosition) {}

  admit(): Promise<{ claim: { epoch: number; leader: string }; logId: string }> {
    return Promise.resolve({ claim: { epoch: 5, leader: 'cluster1' }, logId: 'log-1' });
  }
  state(): State {
    return { cluster: 'cluster2', applied_revision: String(this.pos.revision) };
  }
  position(): AppliedPosition {
    return this.pos;
  }
  applySnapshot(
    _s: ReplicationSession,
    objects: readonly HashedContent[],
    at: AppliedPosition,
  ): Promise<void> {
    this.applied.push(`snapshot ${at.revision} (${objects.length})`);
    this.pos = at;
    return Promise.resolve();
  }
  applyChange(
    _s: ReplicationSession,
    change: HashedContent | ReplicaKey,
    at: AppliedPosition,
  ): Promise<void> {
    this.applied.push(`delta ${at.revision} ${typeof change === 'string' ? change : 'put'}`);
    this.pos = at;
    return Promise.resolve();
  }
  closed(): void {
    /* nothing to release */
  }
  heard(s: ReplicationSession): void {
    this.heardFrom.push(s.claim?.leader ?? '?');
  }
  /** Every controller view handed over: the names of its objects. */
  readonly views: string[][] = [];
  controllerView(_s: ReplicationSession, objects: readonly WrittenObject[]): void {
    this.views.push(objects.map((o) => o.name));
  }
}

const gdp = (ttl: number, name = 'global-gdp'): HashedContent => gdpReplica(name, ttl);

const wire = (h: HashedContent): ReplicatedObject__Output =>
  toWireObject(h) as ReplicatedObject__Output;

const HELLO: LeaderMessage__Output = {
  message: 'hello',
  hello: { cluster: 'cluster1', epoch: '5', version: 'v', log_id: 'log-1' },
};
const delta = (revision: number, ttl: number): LeaderMessage__Output => ({
  message: 'delta',
  delta: { revision: String(revision), change: 'put', put: wire(gdp(ttl)), traceparent: '' },
});
const snapshot = (revision: number, more = false): LeaderMessage__Output => ({
  message: 'snapshot',
  snapshot: {
    revision: String(revision),
    objects: [wire(gdp(revision, more ? 'part-1' : 'part-2'))],
    more,
  },
});

/** Runs `messages` through a session over a host at `pos`, then lets the chain settle. */
async function run(
  pos: Partial<AppliedPosition>,
  messages: readonly (LeaderMessage__Output | 'end')[],
): Promise<{ call: FakeCall; host: FakeHost }> {
  const host = new FakeHost({ leader: 'cluster1', epoch: 5, logId: 'log-1', revision: 3, ...pos });
  const call = new FakeCall();
  const session = new ReplicationSession({
    call: call as unknown as ReplicateCall,
    peer: { verified: true, names: ['cluster1'] },
    host,
    log: silentLogger(),
  });
  session.start();
  for (const m of messages) {
    if (m === 'end') call.emit('end');
    else call.emit('data', m);
  }
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
  return { call, host };
}

describe('follower replication session: revisions and stream ends', () => {
  it('tells the host of every message of the admitted stream, pings included', async () => {
    const ping: LeaderMessage__Output = { message: 'ping', ping: { revision: '3' } };
    const { host } = await run({}, [HELLO, ping, delta(4, 1), ping]);
    assert.deepEqual(host.heardFrom, ['cluster1', 'cluster1', 'cluster1', 'cluster1']);
  });

  it('tells the host nothing from a stream that never sent a valid hello', async () => {
    const { host, call } = await run({}, [delta(4, 1)]);
    assert.deepEqual(host.heardFrom, []);
    assert.equal(call.status?.code, Status.INVALID_ARGUMENT);
  });

  it('applies the next delta and acks it', async () => {
    const { call, host } = await run({}, [HELLO, delta(4, 1)]);
    assert.deepEqual(host.applied, ['delta 4 put']);
    assert.deepEqual(call.acks, ['4']);
    assert.equal(call.status, undefined);
  });

  it('acks a replayed delta with the applied revision and does not apply it again', async () => {
    const { call, host } = await run({}, [HELLO, delta(3, 99), delta(2, 98)]);
    assert.deepEqual(host.applied, []);
    assert.deepEqual(call.acks, ['3', '3']);
    assert.equal(call.status, undefined);
  });

  it('refuses a delta that skips a revision, applying nothing', async () => {
    const { call, host } = await run({}, [HELLO, delta(5, 1), delta(4, 1)]);
    assert.deepEqual(host.applied, []);
    assert.deepEqual(call.acks, []);
    assert.equal(call.status?.code, Status.FAILED_PRECONDITION);
    assert.deepEqual(call.status.metadata.get(REFUSAL_METADATA.reason), ['revision-gap']);
  });

  it('refuses a delta of another log, applying nothing', async () => {
    const { call, host } = await run({ logId: 'log-0' }, [HELLO, delta(4, 1)]);
    assert.deepEqual(host.applied, []);
    assert.equal(call.status?.code, Status.FAILED_PRECONDITION);
  });

  it('does not roll replicas back to a replayed older snapshot of the same log', async () => {
    const { call, host } = await run({}, [HELLO, snapshot(2, true), snapshot(2), snapshot(3)]);
    assert.deepEqual(host.applied, []);
    assert.deepEqual(call.acks, ['3', '3']);
    assert.equal(call.status, undefined);
  });

  it('applies a snapshot of another log, or ahead of the applied revision', async () => {
    const other = await run({ logId: 'log-0', revision: 9 }, [HELLO, snapshot(2)]);
    assert.deepEqual(other.host.applied, ['snapshot 2 (1)']);
    assert.deepEqual(other.call.acks, ['2']);
    const ahead = await run({}, [HELLO, snapshot(7)]);
    assert.deepEqual(ahead.host.applied, ['snapshot 7 (1)']);
  });

  it('applies the empty snapshot of a leader whose log is still empty (revision 0)', async () => {
    const empty: LeaderMessage__Output = {
      message: 'snapshot',
      snapshot: { revision: '0', objects: [], more: false },
    };
    const { call, host } = await run({ logId: 'log-0', revision: 9 }, [HELLO, empty]);
    assert.deepEqual(host.applied, ['snapshot 0 (0)']);
    assert.deepEqual(call.acks, ['0']);
    assert.equal(call.status, undefined);
  });

  it('refuses a half-close before the hello (a truncated first frame looks like one)', async () => {
    const { call, host } = await run({}, ['end']);
    assert.equal(call.status?.code, Status.INVALID_ARGUMENT);
    assert.match(call.status.details, /ended before a hello/);
    assert.equal(call.ended, false);
    assert.deepEqual(host.applied, []);
  });

  it('refuses a half-close inside a snapshot and applies none of its parts', async () => {
    const { call, host } = await run({}, [HELLO, snapshot(8, true), 'end']);
    assert.equal(call.status?.code, Status.INVALID_ARGUMENT);
    assert.match(call.status.details, /inside snapshot 8/);
    assert.deepEqual(host.applied, []);
  });

  it('refuses a half-close after complete messages, keeping what was applied and acked', async () => {
    const { call, host } = await run({}, [HELLO, delta(4, 1), 'end']);
    assert.deepEqual(host.applied, ['delta 4 put']);
    assert.deepEqual(call.acks, ['4']);
    assert.equal(call.status?.code, Status.INVALID_ARGUMENT);
  });

  it('refuses a second hello on the same stream', async () => {
    const { call } = await run({}, [HELLO, HELLO, HELLO]);
    assert.equal(call.written.filter((m) => m.state).length, 1);
    assert.equal(call.status?.code, Status.INVALID_ARGUMENT);
    assert.match(call.status.details, /unexpected hello/);
  });
});

describe('follower replication session: what the leader wrote to the controller', () => {
  const viewOf = (...objects: WrittenObject[]): LeaderMessage__Output => ({
    message: 'view',
    view: { objects: objects.map((o) => toWireWritten(o) as ControllerObject__Output) },
  });
  const gone = (name: string): WrittenObject =>
    deletedObject('gslbservice', 'admin', name, `gslbservice-${name}`);

  it('hands it to the host in order between revisions, acking nothing for it', async () => {
    const { host, call } = await run({}, [
      HELLO,
      viewOf(gone('a'), gone('b')),
      delta(4, 1),
      viewOf(gone('c')),
    ]);
    assert.deepEqual(host.views, [['a', 'b'], ['c']]);
    assert.deepEqual(host.applied, ['delta 4 put']);
    assert.deepEqual(call.acks, ['4']);
    assert.equal(call.status, undefined, 'the stream goes on');
  });

  it('refuses it before the hello, and a malformed one on the admitted stream, taking nothing', async () => {
    const early = await run({}, [viewOf(gone('a'))]);
    assert.equal(early.call.status?.code, Status.INVALID_ARGUMENT);
    assert.deepEqual(early.host.views, []);
    const bad = viewOf({ ...gone('a'), uuid: '' }, gone('b'));
    const late = await run({}, [HELLO, bad, delta(4, 1)]);
    assert.equal(late.call.status?.code, Status.INVALID_ARGUMENT);
    assert.match(late.call.status.details, /controller view: gslbservice admin\/a without a uuid/);
    assert.deepEqual(late.host.views, [], 'none of that message is taken');
    assert.deepEqual(late.host.applied, [], 'nothing after it is applied');
  });
});
