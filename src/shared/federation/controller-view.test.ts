import assert from 'node:assert/strict';
import { OperatorError } from '../errors.js';
import {
  ControllerViewLink,
  deletedObject,
  fromWireWritten,
  olderVersion,
  toWireWritten,
  WrittenBuffer,
  writtenKey,
  type WrittenObject,
} from './controller-view.js';
import type { ControllerObject__Output } from './gen/amko/federation/v1/ControllerObject.js';

const gs = (name: string, lastModified: string): WrittenObject => ({
  type: 'gslbservice',
  tenant: 'admin',
  name,
  uuid: `gslbservice-${name}`,
  deleted: false,
  lastModified,
  epoch: 3,
  checksum: 'a'.repeat(64),
  description: 'cluster1,cluster2',
  hmNames: ['amko--1'],
});

const wire = (o: WrittenObject): ControllerObject__Output =>
  toWireWritten(o) as ControllerObject__Output;

describe('controller view: what a leader wrote, as it travels', () => {
  it('comes back from its wire form as it left, monitors and deletions included', () => {
    const hm: WrittenObject = {
      type: 'healthmonitor',
      tenant: 'admin',
      name: 'amko--1',
      uuid: 'healthmonitor-1',
      deleted: false,
      lastModified: '1716371045123456',
      epoch: 0,
      checksum: 'b'.repeat(64),
      createdBy: 'amko-me',
      gsName: 'shop.example.com',
    };
    const foreign = { ...hm, createdBy: undefined, gsName: undefined };
    const noDescription = { ...gs('x.example.com', '1'), description: undefined, hmNames: [] };
    const gone = deletedObject('gslbservice', 'admin', 'x.example.com', 'gslbservice-x');
    for (const o of [gs('shop.example.com', '17'), hm, foreign, noDescription, gone])
      assert.deepEqual(fromWireWritten(wire(o)), o);
  });

  it('refuses what makes no sense, saying what', () => {
    const ok = wire(gs('shop.example.com', '17'));
    const cases: [Partial<ControllerObject__Output>, RegExp][] = [
      [{ type: 'virtualservice' }, /unknown type "virtualservice"/],
      [{ tenant: '' }, /invalid tenant ""/],
      [{ name: 'a/b' }, /invalid name "a\/b"/],
      [{ uuid: '' }, /without a uuid/],
      [{ last_modified: '12x' }, /invalid version "12x"/],
      [{ epoch: '-1' }, /invalid epoch -1/],
      [{ epoch: '99999999999999999999' }, /invalid epoch/],
      [{ checksum: 'abc' }, /invalid checksum/],
      [{ health_monitors: [''] }, /invalid health monitor name/],
    ];
    for (const [change, message] of cases) {
      assert.throws(
        () => fromWireWritten({ ...ok, ...change }),
        (err: unknown) =>
          err instanceof OperatorError &&
          err.code === 'FEDERATION_BAD_MESSAGE' &&
          message.test(err.message),
        JSON.stringify(change),
      );
    }
  });

  it('orders versions as the numbers they are', () => {
    assert.equal(olderVersion('9', '10'), true);
    assert.equal(olderVersion('10', '9'), false);
    assert.equal(olderVersion('1716371045123456', '1716371045123457'), true);
    assert.equal(olderVersion('17', '17'), false);
  });
});

describe('written buffer', () => {
  it('sends an object written twice once, as last written, in the order of last writes', () => {
    const b = new WrittenBuffer<WrittenObject & { key: string }>();
    const add = (o: WrittenObject): void => {
      b.add({ ...o, key: writtenKey(o) });
    };
    add(gs('a', '1'));
    add(gs('b', '2'));
    add(gs('a', '3'));
    add(deletedObject('healthmonitor', 'admin', 'a', 'healthmonitor-a'));
    assert.equal(b.size, 3, 'a monitor and a GS of one name are two objects');
    assert.deepEqual(
      b.take(2).map((o) => [o.type, o.name, o.lastModified]),
      [
        ['gslbservice', 'b', '2'],
        ['gslbservice', 'a', '3'],
      ],
    );
    assert.deepEqual(
      b.take(10).map((o) => [o.type, o.deleted]),
      [['healthmonitor', true]],
    );
    assert.equal(b.size, 0);
  });
});

describe('controller view link', () => {
  it('carries writes to the sink in place and received objects to the taker in place', () => {
    const link = new ControllerViewLink();
    link.wrote(gs('lost', '1'));
    const sent: string[] = [];
    link.sendTo((o) => sent.push(o.name));
    link.wrote(gs('a', '1'));
    link.sendTo(undefined);
    link.wrote(gs('b', '1'));
    assert.deepEqual(sent, ['a']);

    const taken: string[] = [];
    const first = link.takeWith((os) => taken.push(...os.map((o) => `1:${o.name}`)));
    link.received([gs('x', '1')]);
    const second = link.takeWith((os) => taken.push(...os.map((o) => `2:${o.name}`)));
    first();
    link.received([gs('y', '1')]);
    second();
    link.received([gs('z', '1')]);
    assert.deepEqual(taken, ['1:x', '2:y'], 'an old taker stopping does not stop the new one');
  });
});
