/**
 * Protobuf bytes for bad-input tests, made with the serializers of the loaded federation proto
 * plus a few hand-written wire-format pieces: messages of other types, messages carrying fields
 * the proto does not define, and single-field wrappers taken apart or put together.
 */
import type { LeaderMessage } from '../../src/shared/federation/gen/amko/federation/v1/LeaderMessage.js';
import type { FollowerMessage } from '../../src/shared/federation/gen/amko/federation/v1/FollowerMessage.js';
import type { State } from '../../src/shared/federation/gen/amko/federation/v1/State.js';
import type { FederationProto } from '../../src/shared/federation/proto.js';

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** A base-128 varint. */
export function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

function tag(field: number, wireType: number): Buffer {
  return varint(field * 8 + wireType);
}

/** Field `field` holding `payload` (a message, string or bytes). */
export function lengthDelimited(field: number, payload: Buffer): Buffer {
  return Buffer.concat([tag(field, LENGTH_DELIMITED), varint(payload.length), payload]);
}

/** Fields numbered beyond anything the proto defines: a varint, a string and a fixed32. */
export function unknownFields(): Buffer {
  const fixed = Buffer.alloc(4);
  fixed.writeUInt32LE(0xdeadbeef);
  return Buffer.concat([
    tag(15, VARINT),
    varint(300),
    lengthDelimited(16, Buffer.from('a field from a newer leader')),
    tag(2047, FIXED32),
    fixed,
  ]);
}

/** The payload of a message that holds exactly one length-delimited field (its oneof). */
export function innerOf(wrapped: Buffer): Buffer {
  let i = 0;
  while ((wrapped[i] ?? 0) & 0x80) i++;
  i++;
  let len = 0;
  let scale = 1;
  for (;;) {
    const b = wrapped[i++] ?? 0;
    len += (b & 0x7f) * scale;
    scale *= 0x80;
    if (!(b & 0x80)) break;
  }
  return wrapped.subarray(i, i + len);
}

/** Serializers of the federation messages, from the loaded proto. */
export class FederationWire {
  readonly #proto: FederationProto;

  constructor(proto: FederationProto) {
    this.#proto = proto;
  }

  leader(msg: LeaderMessage): Buffer {
    return this.#proto.grpc.amko.federation.v1.Federation.service.Replicate.requestSerialize(msg);
  }

  follower(msg: FollowerMessage): Buffer {
    return this.#proto.grpc.amko.federation.v1.Federation.service.Replicate.responseSerialize(msg);
  }

  state(s: State): Buffer {
    return this.#proto.grpc.amko.federation.v1.Federation.service.GetState.responseSerialize(s);
  }

  /**
   * A LeaderMessage whose oneof field `field` (1 hello, 2 snapshot, 3 delta, 4 ping) is `msg`'s
   * with unknown fields appended, and unknown fields after it at the top level too.
   */
  leaderWithUnknownFields(msg: LeaderMessage, field: number): Buffer {
    const inner = Buffer.concat([innerOf(this.leader(msg)), unknownFields()]);
    return Buffer.concat([lengthDelimited(field, inner), unknownFields()]);
  }
}
