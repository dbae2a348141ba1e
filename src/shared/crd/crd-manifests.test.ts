import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { AMKO_CLUSTER, AMKO_CLUSTER_SHAPE } from './amko-cluster.js';
import type { CrdResource } from './common.js';
import { GDP_SHAPE, GLOBAL_DEPLOYMENT_POLICY } from './global-deployment-policy.js';
import { GSLB_CONFIG, GSLB_CONFIG_SHAPE, LOG_LEVELS } from './gslb-config.js';
import { GSLB_HOST_RULE, GSLB_HOST_RULE_SHAPE } from './gslb-host-rule.js';
import {
  DOWN_RESPONSE_TYPES,
  GEO_FALLBACK_ALGORITHMS,
  LB_ALGORITHMS,
} from './gslb-policy-types.js';
import type { Shape } from './shape.js';

/** The chart's CRD folder, found upwards from this file (source or compiled). */
function crdDir(): string {
  let dir = import.meta.dirname;
  while (!existsSync(path.join(dir, 'charts', 'amko', 'crds'))) {
    const up = path.dirname(dir);
    assert.notEqual(up, dir, 'charts/amko/crds not found');
    dir = up;
  }
  return path.join(dir, 'charts', 'amko', 'crds');
}

type Json = Record<string, unknown>;

function at(o: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>((v, k) => (v as Json | undefined)?.[k], o);
}

function load(r: CrdResource): Json {
  return parse(readFileSync(path.join(crdDir(), `${r.group}_${r.plural}.yaml`), 'utf8')) as Json;
}

function version(crd: Json): Json {
  const versions = at(crd, 'spec', 'versions') as Json[];
  assert.equal(versions.length, 1);
  return versions[0]!;
}

function specProps(crd: Json): Json {
  return at(version(crd), 'schema', 'openAPIV3Schema', 'properties', 'spec', 'properties') as Json;
}

const KINDS = [AMKO_CLUSTER, GSLB_CONFIG, GLOBAL_DEPLOYMENT_POLICY, GSLB_HOST_RULE];

/** Differences between a validator's shape and the CRD schema at `where`, as readable lines. */
function shapeDiffs(shape: Shape, schema: unknown, where: string): string[] {
  const type = at(schema, 'type');
  if (typeof shape === 'string')
    return type === shape ? [] : [`${where}: ${shape} vs ${String(type)}`];
  if ('listOf' in shape) {
    return type === 'array'
      ? shapeDiffs(shape.listOf, at(schema, 'items'), `${where}[]`)
      : [`${where}: list`];
  }
  if ('mapOf' in shape) {
    const values = at(schema, 'additionalProperties');
    return type === 'object' ? shapeDiffs(shape.mapOf, values, `${where}.*`) : [`${where}: map`];
  }
  const required = (at(schema, 'required') as string[] | undefined) ?? [];
  const diffs = (shape.required ?? [])
    .filter((r) => !required.includes(r))
    .map((r) => `${where}.${r} not required`);
  for (const [name, field] of Object.entries(shape.fields)) {
    diffs.push(...shapeDiffs(field, at(schema, 'properties', name), `${where}.${name}`));
  }
  return diffs;
}

const SHAPES: readonly [CrdResource, Shape][] = [
  [AMKO_CLUSTER, AMKO_CLUSTER_SHAPE],
  [GSLB_CONFIG, GSLB_CONFIG_SHAPE],
  [GLOBAL_DEPLOYMENT_POLICY, GDP_SHAPE],
  [GSLB_HOST_RULE, GSLB_HOST_RULE_SHAPE],
];

describe('CRD manifests agree with the TypeScript descriptors', () => {
  for (const r of KINDS) {
    it(`${r.kind}: names, version, scope, status subresource`, () => {
      const crd = load(r);
      assert.equal(at(crd, 'apiVersion'), 'apiextensions.k8s.io/v1');
      assert.equal(at(crd, 'metadata', 'name'), `${r.plural}.${r.group}`);
      assert.equal(at(crd, 'spec', 'group'), r.group);
      assert.equal(at(crd, 'spec', 'scope'), 'Namespaced');
      assert.deepEqual(at(crd, 'spec', 'names'), {
        kind: r.kind,
        listKind: `${r.kind}List`,
        plural: r.plural,
        singular: r.singular,
        ...(r.shortNames.length > 0 ? { shortNames: [...r.shortNames] } : {}),
      });
      const v = version(crd);
      assert.equal(v['name'], r.version);
      assert.equal(v['served'], true);
      assert.equal(v['storage'], true);
      assert.deepEqual(at(v, 'subresources', 'status'), {});
    });
  }

  it('AMKOCluster shows ROLE, EPOCH, LEADER, IN-SYNC, LEADER-SEEN, REACHABLE and AGE by default', () => {
    const cols = at(version(load(AMKO_CLUSTER)), 'additionalPrinterColumns') as Json[];
    const shown = cols.filter((c) => c['priority'] === undefined);
    assert.deepEqual(
      shown.map((c) => [c['name'], c['jsonPath']]),
      [
        ['ROLE', '.status.role'],
        ['EPOCH', '.status.epoch'],
        ['LEADER', '.status.leader'],
        ['IN-SYNC', '.status.inSync'],
        ['LEADER-SEEN', '.status.leaderLastContact'],
        ['REACHABLE', '.status.conditions[?(@.type=="LeaderReachable")].status'],
        ['AGE', '.metadata.creationTimestamp'],
      ],
    );
  });

  for (const r of [GLOBAL_DEPLOYMENT_POLICY, GSLB_HOST_RULE]) {
    it(`${r.kind}: enums match the TypeScript unions`, () => {
      const spec = specProps(load(r));
      const pool = at(spec, 'poolAlgorithmSettings', 'properties');
      assert.deepEqual(at(pool, 'lbAlgorithm', 'enum'), [...LB_ALGORITHMS]);
      assert.deepEqual(at(pool, 'geoFallback', 'properties', 'lbAlgorithm', 'enum'), [
        ...GEO_FALLBACK_ALGORITHMS,
      ]);
      assert.deepEqual(at(spec, 'downResponse', 'properties', 'type', 'enum'), [
        ...DOWN_RESPONSE_TYPES,
      ]);
      assert.deepEqual(at(spec, 'downResponse', 'required'), ['type']);
      const weight = at(spec, 'trafficSplit', 'items', 'properties', 'weight');
      assert.deepEqual(
        [at(weight, 'minimum'), at(weight, 'maximum'), at(weight, 'default')],
        [1, 20, 1],
      );
      assert.deepEqual([at(spec, 'ttl', 'minimum'), at(spec, 'ttl', 'maximum')], [0, 86400]);
    });
  }

  it('priority defaults differ: GDP 10 (max 100), GSLBHostRule 1 (no max)', () => {
    const gdp = at(
      specProps(load(GLOBAL_DEPLOYMENT_POLICY)),
      'trafficSplit',
      'items',
      'properties',
      'priority',
    );
    const ghr = at(
      specProps(load(GSLB_HOST_RULE)),
      'trafficSplit',
      'items',
      'properties',
      'priority',
    );
    assert.deepEqual([at(gdp, 'minimum'), at(gdp, 'maximum'), at(gdp, 'default')], [0, 100, 10]);
    assert.deepEqual(
      [at(ghr, 'minimum'), at(ghr, 'maximum'), at(ghr, 'default')],
      [0, undefined, 1],
    );
  });

  it('GSLBConfig log levels match', () => {
    assert.deepEqual(at(specProps(load(GSLB_CONFIG)), 'logLevel', 'enum'), [...LOG_LEVELS]);
  });

  for (const [r, shape] of SHAPES) {
    it(`${r.kind}: the validator's JSON types are the schema's`, () => {
      const spec = at(shape, 'fields', 'spec') as Shape;
      const schema = at(version(load(r)), 'schema', 'openAPIV3Schema', 'properties', 'spec');
      assert.deepEqual(shapeDiffs(spec, schema, 'spec'), []);
    });
  }

  it('every CEL rule carries a message', () => {
    for (const r of KINDS) {
      const text = readFileSync(path.join(crdDir(), `${r.group}_${r.plural}.yaml`), 'utf8');
      const rules = (text.match(/- rule:/g) ?? []).length;
      const messages = (text.match(/^\s+message: \S/gm) ?? []).length;
      assert.equal(messages, rules, r.kind);
    }
  });
});
