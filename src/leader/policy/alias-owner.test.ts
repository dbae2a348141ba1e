import assert from 'node:assert/strict';
import { aliasOwner, grantAliases, type AliasClaim } from './alias-owner.js';

const claim = (gs: string, created: number, source = `c1/ns/${gs}`): AliasClaim => ({
  gs,
  created,
  source,
});

describe('alias ownership', () => {
  it('gives the alias to the claim of the oldest HostRule', () => {
    assert.equal(aliasOwner([claim('admin/b', 200), claim('admin/a', 100)]), 'admin/a');
    assert.equal(aliasOwner([]), undefined);
  });

  it('breaks creation-time ties by rule, then by GslbService, whatever the input order', () => {
    const x = claim('admin/z', 100, 'c1/ns/a');
    const y = claim('admin/a', 100, 'c2/ns/a');
    assert.equal(aliasOwner([x, y]), 'admin/z');
    assert.equal(aliasOwner([y, x]), 'admin/z');
    const same = [claim('t2/a', 100, 'c1/ns/r'), claim('t1/a', 100, 'c1/ns/r')];
    assert.equal(aliasOwner(same), 't1/a');
  });

  it('grants uncontested and owned aliases and names the owner of each lost one', () => {
    const claims: Record<string, AliasClaim[]> = {
      'mine.example.com': [claim('admin/a', 100), claim('admin/b', 200)],
      'theirs.example.com': [claim('admin/a', 300), claim('admin/b', 200)],
    };
    const r = grantAliases(
      'admin/a',
      ['free.example.com', 'mine.example.com', 'theirs.example.com'],
      (alias) => claims[alias] ?? [],
    );
    assert.deepEqual(r.granted, ['free.example.com', 'mine.example.com']);
    assert.deepEqual(r.lost, [{ alias: 'theirs.example.com', owner: 'admin/b' }]);
    // Only the claims on aliases it keeps are its rivals.
    assert.deepEqual(r.rivals, ['admin/b']);
  });

  it('names each other claimant of a kept alias once, sorted, and none for a lost one', () => {
    const claims: Record<string, AliasClaim[]> = {
      'x.example.com': [claim('admin/a', 100), claim('admin/c', 200), claim('admin/b', 300)],
      'y.example.com': [claim('admin/c', 150), claim('admin/a', 100, 'c2/ns/r')],
      'z.example.com': [claim('admin/d', 50), claim('admin/a', 100)],
    };
    const r = grantAliases(
      'admin/a',
      ['x.example.com', 'y.example.com', 'z.example.com'],
      (alias) => claims[alias] ?? [],
    );
    assert.deepEqual(r.granted, ['x.example.com', 'y.example.com']);
    assert.deepEqual(r.rivals, ['admin/b', 'admin/c']);
  });
});
