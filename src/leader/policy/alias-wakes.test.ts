import assert from 'node:assert/strict';
import { grantAliases, type AliasClaim } from './alias-owner.js';
import { AliasWakes } from './alias-wakes.js';

/** Rules on aliases (alias → claims); a pass grants a GslbService what it wants of them. */
function world(claims: Record<string, AliasClaim[]>) {
  const wants = (gs: string) =>
    Object.entries(claims)
      .filter(([, cs]) => cs.some((c) => c.gs === gs))
      .map(([alias]) => alias);
  return (gs: string) => grantAliases(gs, wants(gs), (a) => claims[a] ?? []);
}

/** Passes `first`, then every key woken, until none is; returns the passes made. */
function settle(wakes: AliasWakes, pass: (gs: string) => void, first: string[]): string[] {
  const done: string[] = [];
  const queue = [...first];
  while (queue.length > 0 && done.length < 100) {
    const gs = queue.shift() ?? '';
    pass(gs);
    done.push(gs);
    for (const k of wakes.after(gs)) if (!queue.includes(k)) queue.push(k);
  }
  return done;
}

describe('alias wakes', () => {
  it('wakes the holder of an alias when a claim of the same creation second takes it', () => {
    const wakes = new AliasWakes();
    // zz-first (GslbService a) holds the alias; aa-second (b), same second, wins by name.
    const claims: Record<string, AliasClaim[]> = {
      'www.example.com': [{ gs: 'admin/a', created: 1000, source: 'c1/ns/zz-first' }],
    };
    const grant = world(claims);
    wakes.note('admin/a', grant('admin/a'));
    assert.deepEqual(wakes.after('admin/a'), []);
    claims['www.example.com']?.push({ gs: 'admin/b', created: 1000, source: 'c1/ns/aa-second' });
    wakes.note('admin/b', grant('admin/b'));
    assert.deepEqual(wakes.after('admin/b'), ['admin/a']);
    assert.deepEqual(grant('admin/a').granted, []);
    // a lets go: b, whose write the controller may have refused while a held it, goes again.
    wakes.note('admin/a', grant('admin/a'));
    assert.deepEqual(wakes.after('admin/a'), ['admin/b']);
  });

  it('wakes those that lost an alias to a GslbService once it lets go of it, and only then', () => {
    const wakes = new AliasWakes();
    const claims: Record<string, AliasClaim[]> = {
      'www.example.com': [
        { gs: 'admin/a', created: 100, source: 'c1/ns/old' },
        { gs: 'admin/b', created: 200, source: 'c1/ns/new' },
      ],
    };
    const grant = world(claims);
    wakes.note('admin/a', grant('admin/a'));
    assert.deepEqual(wakes.after('admin/a'), ['admin/b'], 'a took it: its rival looks again');
    wakes.note('admin/b', grant('admin/b'));
    assert.deepEqual(wakes.after('admin/b'), []);
    wakes.note('admin/a', grant('admin/a'));
    assert.deepEqual(wakes.after('admin/a'), [], 'an unchanged grant wakes nobody');
    claims['www.example.com'] = claims['www.example.com']?.slice(1) ?? [];
    wakes.note('admin/a', grant('admin/a'));
    assert.deepEqual(wakes.after('admin/a'), ['admin/b'], 'a let go: b looks again');
    assert.deepEqual(wakes.after('admin/a'), [], 'handed out once');
  });

  it('settles two GslbServices that each own an alias the other claims', () => {
    const wakes = new AliasWakes();
    const claims: Record<string, AliasClaim[]> = {
      'x.example.com': [
        { gs: 'admin/a', created: 100, source: 'c1/ns/r1' },
        { gs: 'admin/b', created: 200, source: 'c1/ns/r2' },
      ],
      'y.example.com': [
        { gs: 'admin/b', created: 100, source: 'c1/ns/r3' },
        { gs: 'admin/a', created: 200, source: 'c1/ns/r4' },
      ],
    };
    const grant = world(claims);
    const passes = settle(
      wakes,
      (gs) => {
        wakes.note(gs, grant(gs));
      },
      ['admin/a', 'admin/b'],
    );
    assert.ok(passes.length <= 4, `settled after ${passes.length} passes: ${passes.join(' ')}`);
    assert.deepEqual(grant('admin/a').granted, ['x.example.com']);
    assert.deepEqual(grant('admin/b').granted, ['y.example.com']);
  });
});
