/**
 * Written objects encoded once for every follower. Each object is encoded alone, as the bytes of
 * a `ControllerView` holding only it; a message to a follower is those bytes joined and framed as
 * a `LeaderMessage` whose `view` they are (protobuf merges concatenated messages: the repeated
 * `objects` field of each part adds up). Framing costs a copy, not an encoding, so five followers
 * cost the leader one encoding per object, not five.
 *
 * The field tag is taken from the real serializer (an empty view), never written down here.
 */
import protobuf from 'protobufjs';
import { toWireWritten, writtenKey, type WrittenObject } from './controller-view.js';
import type { LeaderMessage } from './gen/amko/federation/v1/LeaderMessage.js';

const { Reader, Writer } = protobuf;

/** One written object, encoded: its identity and the bytes of a view holding it alone. */
export interface EncodedWritten {
  readonly key: string;
  readonly bytes: Uint8Array;
}

export interface ViewEncoder {
  /** Encodes one written object. */
  encode(o: WrittenObject): EncodedWritten;
  /** The bytes of a `LeaderMessage` whose view holds these objects, in this order. */
  message(parts: readonly EncodedWritten[]): Buffer;
}

/** Where the bytes after the length (a varint) at `at` start. */
function afterLength(bytes: Uint8Array, at: number): number {
  const reader = Reader.create(bytes);
  reader.pos = at;
  reader.uint32();
  return reader.pos;
}

function varint(value: number): Uint8Array {
  return Writer.create().uint32(value).finish();
}

/** A view encoder over the federation proto's serializer of `LeaderMessage`. */
export function viewEncoder(serialize: (m: LeaderMessage) => Buffer): ViewEncoder {
  const empty = serialize({ view: { objects: [] } });
  // An empty view is the tag of the view field then the length 0 (one byte).
  const tag = empty.subarray(0, empty.length - 1);
  return {
    encode(o) {
      const whole = serialize({ view: { objects: [toWireWritten(o)] } });
      const start = afterLength(whole, tag.length);
      return { key: writtenKey(o), bytes: whole.subarray(start) };
    },
    message(parts) {
      let length = 0;
      for (const p of parts) length += p.bytes.length;
      return Buffer.concat([tag, varint(length), ...parts.map((p) => p.bytes)]);
    },
  };
}
