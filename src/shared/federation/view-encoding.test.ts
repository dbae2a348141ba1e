import assert from 'node:assert/strict';
import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';
import {
  deletedObject,
  fromWireWritten,
  toWireWritten,
  type WrittenObject,
} from './controller-view.js';
import type { LeaderMessage } from './gen/amko/federation/v1/LeaderMessage.js';
import type { LeaderMessage__Output } from './gen/amko/federation/v1/LeaderMessage.js';
import { loadFederationProto, preEncoded } from './proto.js';

const proto = loadFederationProto();
const replicate = (proto.packageDefinition['amko.federation.v1.Federation'] as ServiceDefinition)[
  'Replicate'
] as MethodDefinition<LeaderMessage, object, LeaderMessage__Output>;

const gs = (i: number): WrittenObject => ({
  type: 'gslbservice',
  tenant: 'admin',
  name: `app-${i}.example.com`,
  uuid: `gslbservice-${i}`,
  deleted: false,
  lastModified: String(1716371045123456 + i),
  epoch: 7,
  checksum: 'c'.repeat(64),
  description: 'cluster1,cluster2',
  hmNames: [`amko--${i}`],
});

describe('written objects encoded once for every follower', () => {
  const objects = [
    ...Array.from({ length: 500 }, (_, i) => gs(i)),
    deletedObject('healthmonitor', 'retail', 'amko--9', 'healthmonitor-9'),
  ];
  const parts = objects.map((o) => proto.view.encode(o));

  it('frames a message a follower decodes into the same objects, in order', () => {
    const bytes = proto.view.message(parts);
    const decoded = replicate.requestDeserialize(bytes);
    assert.equal(decoded.message, 'view');
    assert.deepEqual(decoded.view?.objects.map(fromWireWritten), objects);
  });

  it('gives the bytes the proto encodes for the whole message', () => {
    const whole = replicate.requestSerialize({ view: { objects: objects.map(toWireWritten) } });
    assert.ok(whole.equals(proto.view.message(parts)), 'byte for byte');
    const one = replicate.requestSerialize({ view: { objects: [toWireWritten(gs(3))] } });
    assert.ok(one.equals(proto.view.message([proto.view.encode(gs(3))])));
    assert.deepEqual(replicate.requestDeserialize(proto.view.message([])).view?.objects, []);
  });

  it('keys each object by its identity, for coalescing', () => {
    assert.equal(parts[0]?.key, 'gslbservice/admin/app-0.example.com');
    assert.equal(parts.at(-1)?.key, 'healthmonitor/retail/amko--9');
  });

  it('is passed through by the Replicate stream; any other message is encoded', () => {
    const bytes = proto.view.message(parts.slice(0, 2));
    assert.equal(replicate.requestSerialize(preEncoded(bytes)), bytes);
    const ping = replicate.requestSerialize({ ping: {} });
    assert.equal(replicate.requestDeserialize(ping).message, 'ping');
  });
});
