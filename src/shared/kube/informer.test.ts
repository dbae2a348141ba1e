import assert from 'node:assert/strict';
import type { KubernetesListObject, V1ConfigMap } from '@kubernetes/client-node';
import { listAllPages, type ListPage } from './informer.js';

type List = KubernetesListObject<V1ConfigMap>;
const cm = (name: string): V1ConfigMap => ({ metadata: { name, resourceVersion: '7' } });

/** A scripted source of pages: the pager's loop alone, without a server. */
function source(
  pages: (List | Error)[],
  whole: List,
): { list: (p: ListPage) => Promise<List>; asked: ListPage[] } {
  const asked: ListPage[] = [];
  return {
    asked,
    list: (p) => {
      asked.push(p);
      if (p.limit === undefined) return Promise.resolve(whole);
      const next = pages.shift();
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next ?? whole);
    },
  };
}

const gone = Object.assign(new Error('continue token expired'), { code: 410 });

describe('listAllPages', () => {
  it('follows continue tokens (typed or raw), transforms each page, and drops the token', async () => {
    const s = source(
      [
        { metadata: { resourceVersion: '7', _continue: 'a' }, items: [cm('x'), cm('y')] },
        {
          metadata: { resourceVersion: '7', continue: 'b' } as { resourceVersion: string },
          items: [cm('z')],
        },
        { metadata: { resourceVersion: '7' }, items: [cm('w')] },
      ],
      { metadata: {}, items: [] },
    );
    const got = await listAllPages(s.list, 2, (o) => ({
      metadata: { name: `t-${o.metadata?.name}` },
    }));
    assert.deepEqual(
      got.items.map((o) => o.metadata?.name),
      ['t-x', 't-y', 't-z', 't-w'],
    );
    assert.deepEqual(got.metadata, { resourceVersion: '7' });
    assert.deepEqual(s.asked, [
      { limit: 2 },
      { limit: 2, _continue: 'a' },
      { limit: 2, _continue: 'b' },
    ]);
  });

  it('lists the whole collection at once when a continue token has expired (410)', async () => {
    const whole: List = { metadata: { resourceVersion: '9' }, items: [cm('a'), cm('b'), cm('c')] };
    const s = source([{ metadata: { _continue: 'a' }, items: [cm('a')] }, gone], whole);
    const got = await listAllPages(s.list, 1);
    assert.deepEqual(
      got.items.map((o) => o.metadata?.name),
      ['a', 'b', 'c'],
    );
    assert.equal(got.metadata?.resourceVersion, '9');
    assert.deepEqual(s.asked, [{ limit: 1 }, { limit: 1, _continue: 'a' }, {}]);
  });

  it('passes other failures on, and a 410 on the first page too', async () => {
    const other = Object.assign(new Error('forbidden'), { code: 403 });
    await assert.rejects(listAllPages(source([other], { items: [] }).list, 5), /forbidden/);
    await assert.rejects(listAllPages(source([gone], { items: [] }).list, 5), /expired/);
  });
});
