import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OperatorError } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import type { ReplicatedObject } from './gen/amko/federation/v1/ReplicatedObject.js';
import {
  contentHash,
  contentOf,
  fromWireObject,
  hashed,
  parseReplicaKey,
  replicaKey,
  toWireObject,
  type JsonObject,
  type ReplicaContent,
  type ReplicaKey,
} from './replicated-object.js';
import type { ReplicatedKind } from './replicated-kinds.js';

const RUNS = { numRuns: 200 };

const kind = fc.constantFrom<ReplicatedKind>(
  'GSLBConfig',
  'GlobalDeploymentPolicy',
  'GSLBHostRule',
);
const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
const dnsName = fc.domain().map((d) => d.toLowerCase());
const strings = fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), {
  maxKeys: 4,
});
/** Annotations that travel (not the follower's own markers nor kubectl's). */
const travelling = strings.map((a) =>
  Object.fromEntries(
    Object.entries(a).filter(
      ([k]) => !k.startsWith('amko.vmware.com/replica-') && !k.startsWith('kubectl.kubernetes.io/'),
    ),
  ),
);
const spec = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
  maxKeys: 5,
}) as fc.Arbitrary<JsonObject>;

const content: fc.Arbitrary<ReplicaContent> = fc.record({
  kind,
  namespace: dnsLabel,
  name: dnsName,
  spec,
  labels: strings,
  annotations: travelling,
});

/** A shallow copy with keys in reverse insertion order. */
function reversed<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o).reverse()) {
    Object.defineProperty(out, k, { value: v, enumerable: true });
  }
  return out as T;
}

function isBadMessage(e: unknown): boolean {
  return e instanceof OperatorError && e.code === 'FEDERATION_BAD_MESSAGE';
}

/** Wire objects as a peer might send them: plausible, tampered or garbage, field by field. */
const wire: fc.Arbitrary<ReplicatedObject> = fc.record(
  {
    kind: fc.oneof(kind, fc.string()),
    namespace: fc.oneof(dnsLabel, fc.string()),
    name: fc.oneof(dnsName, fc.string()),
    spec_json: fc.oneof(
      fc.json(),
      fc.string(),
      fc.constantFrom('{"ttl":1e999}', '{"a":[-1e400]}', '{"__proto__":{"x":1}}', '[]', 'null'),
    ),
    labels: strings,
    annotations: strings,
    content_hash: fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f]{64}$/)),
  },
  { requiredKeys: [] },
);

describe('replicated objects (properties)', () => {
  it('hash equal content equally whatever the key order', () => {
    fc.assert(
      fc.property(content, (c) => {
        const other: ReplicaContent = {
          ...reversed(c),
          spec: reversed(c.spec),
          labels: reversed(c.labels),
          annotations: reversed(c.annotations),
        };
        assert.equal(contentHash(other), contentHash(c));
      }),
      RUNS,
    );
  });

  it('hash different content differently', () => {
    fc.assert(
      fc.property(content, content, (a, b) => {
        // canonicalJson is injective on JSON values (canonical-json.property.test.ts).
        assert.equal(contentHash(a) === contentHash(b), canonicalJson(a) === canonicalJson(b));
      }),
      RUNS,
    );
  });

  it('change hash when any one travelling field changes', () => {
    const field = fc.constantFrom('namespace', 'name', 'spec', 'labels', 'annotations');
    fc.assert(
      fc.property(content, field, fc.string({ minLength: 1, maxLength: 6 }), (c, f, extra) => {
        const changed: ReplicaContent =
          f === 'namespace' || f === 'name'
            ? { ...c, [f]: `${c[f]}x` }
            : { ...c, [f]: { ...c[f], [`k${extra}`]: `${extra}!${JSON.stringify(c[f])}` } };
        assert.notEqual(contentHash(changed), contentHash(c));
      }),
      RUNS,
    );
  });

  it('survive the wire: toWireObject then fromWireObject gives the same content and hash', () => {
    fc.assert(
      fc.property(content, (c) => {
        const h = hashed(c);
        const back = fromWireObject(
          JSON.parse(JSON.stringify(toWireObject(h))) as ReplicatedObject,
        );
        assert.equal(back.hash, h.hash);
        assert.deepEqual(back.content, JSON.parse(JSON.stringify(c)));
      }),
      RUNS,
    );
  });

  it('refuse any undecodable or tampered wire object with FEDERATION_BAD_MESSAGE only', () => {
    fc.assert(
      fc.property(wire, (w) => {
        try {
          const h = fromWireObject(w);
          assert.equal(h.hash, w.content_hash);
        } catch (err) {
          assert.ok(isBadMessage(err), `escaped: ${String(err)}`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('contentOf leaves status, resourceVersion and local annotations behind', () => {
    fc.assert(
      fc.property(content, strings, fc.string(), (c, status, rv) => {
        const obj = {
          metadata: {
            name: c.name,
            namespace: c.namespace,
            resourceVersion: rv,
            labels: c.labels,
            annotations: { ...c.annotations, 'amko.vmware.com/replica-epoch': '7' },
          },
          spec: c.spec,
          status,
        };
        assert.equal(contentHash(contentOf(c.kind, Object.freeze(obj))), contentHash(c));
      }),
      RUNS,
    );
  });

  it('replica keys round-trip; other strings are refused with the documented error', () => {
    fc.assert(
      fc.property(kind, dnsLabel, dnsName, fc.string(), (k, ns, n, garbage) => {
        assert.deepEqual(parseReplicaKey(replicaKey(k, ns, n)), {
          kind: k,
          namespace: ns,
          name: n,
        });
        try {
          const p = parseReplicaKey(garbage as ReplicaKey);
          assert.equal(replicaKey(p.kind, p.namespace, p.name), garbage);
        } catch (err) {
          assert.ok(err instanceof Error && /malformed replica key/.test(err.message), String(err));
        }
      }),
      RUNS,
    );
  });

  it('replicaKey refuses a segment containing the separator', () => {
    fc.assert(
      fc.property(kind, fc.string(), fc.string(), (k, a, b) => {
        assert.throws(() => replicaKey(k, `${a}/${b}`, 'n'), /must not contain '\/'/);
        assert.throws(() => replicaKey(k, 'ns', `${a}/${b}`), /must not contain '\/'/);
      }),
      RUNS,
    );
  });
});
