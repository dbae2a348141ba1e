/**
 * `kubectl amko diff`, pure part: compares the replicated objects of two clusters. Two objects
 * are the same when the SHA-256 of the canonical JSON of their spec and amko-uuid annotation is
 * the same; status, labels and the replica bookkeeping annotations do not count.
 */
import { AMKO_UUID_ANNOTATION } from '../shared/crd/common.js';
import { sha256OfCanonicalJson } from '../shared/federation/canonical-json.js';
import { cell, formatTable } from './table.js';

export interface ComparableObject {
  metadata?: { namespace?: string; name?: string; annotations?: Record<string, string> };
  spec?: unknown;
}

/** The objects of one kind read on one cluster. */
export interface KindObjects {
  kind: string;
  objects: readonly ComparableObject[];
}

export type DiffResult = 'same' | 'differs' | 'missing';

export interface DiffEntry {
  kind: string;
  namespace: string;
  name: string;
  result: DiffResult;
  /** With `missing`: the context that lacks the object. */
  missingOn?: string;
  /** Comparison hash on this cluster and on the other one (absent where the object is). */
  localHash?: string;
  otherHash?: string;
}

export interface DiffReport {
  context: string;
  against: string;
  entries: DiffEntry[];
  /** True when every object is the same on both clusters. */
  inSync: boolean;
}

/** SHA-256 of the canonical JSON of what the comparison covers. */
export function comparisonHash(obj: ComparableObject): string {
  const uuid = obj.metadata?.annotations?.[AMKO_UUID_ANNOTATION];
  return sha256OfCanonicalJson({
    spec: obj.spec ?? {},
    ...(uuid === undefined ? {} : { annotations: { [AMKO_UUID_ANNOTATION]: uuid } }),
  });
}

function hashesByName(objects: readonly ComparableObject[]): Map<string, string> {
  return new Map(
    objects.map((o) => [
      `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`,
      comparisonHash(o),
    ]),
  );
}

function entryOf(
  kind: string,
  key: string,
  local?: string,
  other?: string,
): Omit<DiffEntry, 'missingOn'> {
  const [namespace = '', name = ''] = key.split('/');
  const base = { kind, namespace, name };
  const hashes = {
    ...(local === undefined ? {} : { localHash: local }),
    ...(other === undefined ? {} : { otherHash: other }),
  };
  if (local === undefined || other === undefined) return { ...base, result: 'missing', ...hashes };
  return { ...base, result: local === other ? 'same' : 'differs', ...hashes };
}

/**
 * Per object of each kind (kinds in the given order, objects by namespace/name): same, differs,
 * or missing on one side.
 */
export function diffReplicated(
  contexts: { context: string; against: string },
  local: readonly KindObjects[],
  other: readonly KindObjects[],
): DiffReport {
  const entries: DiffEntry[] = [];
  for (const { kind, objects } of local) {
    const mine = hashesByName(objects);
    const theirs = hashesByName(other.find((k) => k.kind === kind)?.objects ?? []);
    const keys = [...new Set([...mine.keys(), ...theirs.keys()])].sort();
    for (const key of keys) {
      const e: DiffEntry = entryOf(kind, key, mine.get(key), theirs.get(key));
      if (e.result === 'missing')
        e.missingOn = e.localHash === undefined ? contexts.context : contexts.against;
      entries.push(e);
    }
  }
  return { ...contexts, entries, inSync: entries.every((e) => e.result === 'same') };
}

const short = (hash: string | undefined): string => cell(hash?.slice(0, 12));

/** The report as text: one line per object, then a count. */
export function formatDiff(report: DiffReport): string {
  if (report.entries.length === 0) {
    return `no replicated objects on ${report.context} or ${report.against}\n`;
  }
  const rows = report.entries.map((e) => [
    e.kind,
    `${e.namespace}/${e.name}`,
    e.result === 'missing' ? `missing on ${e.missingOn ?? '?'}` : e.result,
    short(e.localHash),
    short(e.otherHash),
  ]);
  const table = formatTable(['KIND', 'OBJECT', 'RESULT', report.context, report.against], rows);
  const count = (r: DiffResult): number => report.entries.filter((e) => e.result === r).length;
  const summary = `${report.entries.length} objects: ${count('same')} same, ${count('differs')} differ, ${count('missing')} missing`;
  return `${table}\n${summary}\n`;
}
