/**
 * Drives the replication state machine for one follower: owns its gRPC client, the current
 * stream and the timers, turns stream events into inputs and carries out the outbox. Events of
 * a stream that was already replaced are ignored.
 */
import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import { Metadata, status as Status } from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import type { Clock } from '../../shared/clock.js';
import type { EpochClaim } from '../../shared/federation/epoch-rules.js';
import type { FederationClient } from '../../shared/federation/gen/amko/federation/v1/Federation.js';
import type { FollowerMessage__Output } from '../../shared/federation/gen/amko/federation/v1/FollowerMessage.js';
import type { LeaderMessage } from '../../shared/federation/gen/amko/federation/v1/LeaderMessage.js';
import type { State__Output } from '../../shared/federation/gen/amko/federation/v1/State.js';
import { peerFailure, type PeerFailure } from '../../shared/federation/grpc-status.js';
import type { Logger } from '../../shared/telemetry/logger.js';
import { WrittenBuffer } from '../../shared/federation/controller-view.js';
import { preEncoded } from '../../shared/federation/proto.js';
import type { EncodedWritten, ViewEncoder } from '../../shared/federation/view-encoding.js';
import {
  contextOf,
  failSpan,
  SpanKind,
  startSpan,
  traceparentOf,
  tracingOn,
} from '../../shared/telemetry/tracing.js';
import {
  INITIAL_STATE,
  step,
  type PeerReport,
  type SessionContext,
  type SessionInput,
  type SessionOutput,
  type SessionState,
} from './session-step.js';

type Stream = ClientDuplexStream<LeaderMessage, FollowerMessage__Output>;

/** Objects per ControllerView message. */
const VIEW_BATCH = 500;
/**
 * How long written objects gather before they go: each message costs the follower far more than
 * each object in it, and a leader writing hundreds of objects a second would otherwise send them
 * a few at a time.
 */
const VIEW_GATHER_MS = 100;
/**
 * Written objects a follower that reads slowly may have waiting; past that they are dropped (its
 * view then misses them until it verifies it), so a stalled follower cannot grow the leader.
 */
const VIEW_BUFFER_MAX = 20_000;

export interface PeerDriverDeps {
  cluster: string;
  /** Makes a client (a channel) to the follower: one at start, a fresh one to cut a backoff short. */
  connect: () => FederationClient;
  context: SessionContext;
  /** Sent in the hello. */
  version: string;
  clock: Clock;
  log: Logger;
  pingIntervalMs: number;
  /** Told after every step that changed what the status shows. */
  onReport: () => void;
  /** Told once when the follower names a claim superseding ours. */
  onFenced: (by: EpochClaim) => void;
  /** Frames the written objects sent to the follower's controller view. */
  view: Pick<ViewEncoder, 'message'>;
}

export function reportOf(s: State__Output): PeerReport {
  return {
    highest: { epoch: Number(s.highest_epoch), leader: s.highest_epoch_leader },
    appliedRevision: Number(s.applied_revision),
    appliedEpoch: Number(s.applied_epoch),
    appliedLogId: s.applied_log_id,
  };
}

export class PeerDriver {
  readonly #deps: PeerDriverDeps;
  readonly #stop = new AbortController();
  #state: SessionState = INITIAL_STATE;
  #stream: Stream | undefined;
  #retry: AbortController | undefined;
  #client: FederationClient;
  /** Send spans of the current stream awaiting the follower's ack, by revision (when tracing). */
  readonly #inFlight = new Map<number, Span>();
  readonly #tracing = tracingOn();
  /** Objects written to the controller, waiting to go to this follower's view. */
  readonly #written = new WrittenBuffer<EncodedWritten>();
  #viewFlushQueued = false;
  /** The stream's buffer is full: view messages wait for it to drain. */
  #viewBlocked = false;

  constructor(deps: PeerDriverDeps) {
    this.#deps = deps;
    this.#client = deps.connect();
  }

  get cluster(): string {
    return this.#deps.cluster;
  }

  get state(): SessionState {
    return this.#state;
  }

  /** The session streams: written objects go to the follower's view. */
  get streaming(): boolean {
    return this.#state.phase === 'streaming';
  }

  start(): void {
    this.dispatch({ type: 'start' });
    void this.#pingLoop();
  }

  /** Feeds one input to the state machine and carries out its outbox. */
  dispatch(input: SessionInput): void {
    const { state, outbox } = step(this.#state, input, this.#deps.context);
    this.#state = state;
    for (const out of outbox) this.#execute(out);
    if (state.phase === 'streaming' && this.#written.size > 0) this.#queueViewFlush();
  }

  /**
   * An object the leader wrote, for this follower's controller view: sent while the session
   * streams (after the revisions the step sent before it), dropped while it does not (the
   * follower verifies its view against the controller when it needs it).
   */
  wrote(o: EncodedWritten): void {
    if (!this.streaming) return;
    if (this.#written.size >= VIEW_BUFFER_MAX) {
      this.#deps.log.warn(
        { dropped: this.#written.take(VIEW_BUFFER_MAX).length },
        'follower reads too slowly: written objects dropped from its controller view',
      );
    }
    this.#written.add(o);
    this.#queueViewFlush();
  }

  #queueViewFlush(): void {
    if (this.#viewFlushQueued) return;
    this.#viewFlushQueued = true;
    this.#deps.clock.sleep(VIEW_GATHER_MS, this.#stop.signal).then(
      () => {
        this.#viewFlushQueued = false;
        this.#flushView();
      },
      () => undefined,
    );
  }

  /** Sends the waiting written objects, as far as the stream takes them. */
  #flushView(): void {
    const stream = this.#stream;
    if (!stream || this.#state.phase !== 'streaming' || this.#viewBlocked) return;
    while (this.#written.size > 0) {
      const message = this.#deps.view.message(this.#written.take(VIEW_BATCH));
      if (stream.write(preEncoded(message))) continue;
      this.#viewBlocked = true;
      stream.once('drain', () => {
        if (this.#stream !== stream) return;
        this.#viewBlocked = false;
        this.#flushView();
      });
      return;
    }
  }

  /**
   * Opens at once when waiting (the member said it serves again): out of our backoff, or in a
   * retry whose stream waits for a channel that is itself backing off (grpc-js waits up to
   * `grpc.max_reconnect_backoff_ms` between connection attempts). That stream is reopened on a
   * fresh channel, which connects now; the old channel is closed.
   */
  retryNow(): boolean {
    if (this.#state.phase === 'backoff') {
      this.#retry?.abort();
      this.dispatch({ type: 'retry-due' });
      return true;
    }
    if (this.#state.phase !== 'awaiting-state' || this.#state.attempt === 0) return false;
    const old = this.#client;
    this.#client = this.#deps.connect();
    this.#open();
    old.close();
    return true;
  }

  stop(): void {
    this.dispatch({ type: 'stop' });
    this.#stop.abort();
    this.#retry?.abort();
    this.#client.close();
  }

  async #pingLoop(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      await this.#deps.clock.sleep(this.#deps.pingIntervalMs, signal).catch(() => undefined);
      if (!signal.aborted) this.dispatch({ type: 'ping-due' });
    }
  }

  #execute(out: SessionOutput): void {
    switch (out.type) {
      case 'open':
        this.#open();
        return;
      case 'send':
        this.#stream?.write(this.#tracing ? this.#traced(out.message) : out.message);
        if (out.message.delta) this.#stage('send', Number(out.message.delta.revision));
        return;
      case 'close':
        this.#closeStream();
        return;
      case 'retry-after':
        this.#scheduleRetry(out.delayMs);
        return;
      case 'fenced':
        this.#deps.onFenced(out.by);
        return;
      case 'report':
        this.#deps.onReport();
        return;
    }
  }

  #open(): void {
    this.#closeStream();
    // A first attempt fails at once when the follower cannot be reached, so that the status says
    // why. A retry after a failure (whose error the status keeps showing) waits for the channel
    // to connect instead of failing while the channel backs off: the stream opens as soon as the
    // follower can be reached again, not at our next retry (up to 5 s later, and failing again
    // if the channel still backs off then).
    const waitForReady = this.#state.attempt > 0;
    const stream = this.#client.Replicate(new Metadata({ waitForReady }));
    this.#stream = stream;
    const current = (): boolean => this.#stream === stream;
    let ended = false;
    const end = (failure: PeerFailure): void => {
      if (ended) return;
      ended = true;
      if (current()) {
        if (this.#inFlight.size > 0) this.#endSends(undefined, failure.error.message);
        this.#stream = undefined;
        this.dispatch({ type: 'stream-ended', failure });
      }
    };
    stream.on('data', (msg: FollowerMessage__Output) => {
      if (current()) this.#onMessage(msg);
    });
    stream.on('error', (err: ServiceError) => {
      end(peerFailure(err, this.#deps.cluster));
    });
    stream.on('status', (s: { code: Status; details: string }) => {
      if (s.code === Status.OK)
        end(
          peerFailure(
            { code: Status.UNAVAILABLE, details: 'stream ended by the follower' },
            this.#deps.cluster,
          ),
        );
    });
    const { self } = this.#deps.context;
    stream.write({
      hello: {
        cluster: self.leader,
        epoch: String(self.epoch),
        version: this.#deps.version,
        log_id: this.#deps.context.log.logId,
      },
    });
  }

  /**
   * A traced delta: an `amko.replication.send` span, child of the span that recorded the revision,
   * whose context replaces the delta's, so the follower's write is its child. It ends when the
   * follower acknowledges the revision (or the stream ends), so it spans the whole round trip.
   */
  #traced(message: LeaderMessage): LeaderMessage {
    const delta = message.delta;
    if (!delta?.traceparent) return message;
    const span = startSpan(
      'amko.replication.send',
      { 'amko.member': this.#deps.cluster, 'amko.revision': Number(delta.revision) },
      { parent: contextOf(delta.traceparent), kind: SpanKind.PRODUCER },
    );
    if (!span) return message;
    this.#inFlight.set(Number(delta.revision), span);
    return { delta: { ...delta, traceparent: traceparentOf(span) } };
  }

  /** Ends the send spans of revisions up to `revision` (acknowledged), or all as failed. */
  #endSends(revision: number | undefined, failure?: string): void {
    for (const [r, span] of this.#inFlight) {
      if (revision !== undefined && r > revision) continue;
      this.#inFlight.delete(r);
      if (failure === undefined) span.end();
      else failSpan(span, failure);
    }
  }

  #onMessage(msg: FollowerMessage__Output): void {
    if (msg.message === 'state' && msg.state)
      this.dispatch({ type: 'peer-state', report: reportOf(msg.state) });
    else if (msg.message === 'ack' && msg.ack) {
      this.#stage('ack', Number(msg.ack.revision));
      if (this.#inFlight.size > 0) this.#endSends(Number(msg.ack.revision));
      this.dispatch({
        type: 'ack',
        revision: Number(msg.ack.revision),
        at: this.#deps.clock.now(),
      });
    }
  }

  /** Wall-clock time (ms, sub-ms precision) of a replication stage, for the benchmarks. */
  #stage(stage: 'send' | 'ack', revision: number): void {
    const at = performance.timeOrigin + performance.now();
    this.#deps.log.debug({ stage, peer: this.#deps.cluster, revision, at }, 'replication stage');
  }

  #closeStream(): void {
    if (this.#inFlight.size > 0) this.#endSends(undefined, 'stream closed before the ack');
    const stream = this.#stream;
    this.#stream = undefined;
    this.#viewBlocked = false;
    this.#written.take(this.#written.size);
    stream?.cancel();
  }

  #scheduleRetry(delayMs: number): void {
    this.#retry?.abort();
    const retry = new AbortController();
    this.#retry = retry;
    this.#deps.clock.sleep(delayMs, retry.signal).then(
      () => {
        if (!this.#stop.signal.aborted) this.dispatch({ type: 'retry-due' });
      },
      () => undefined,
    );
  }
}
