import assert from 'node:assert/strict';
import { errorClassOfStatus } from './request-outcome.js';

describe('Avi request outcome classes', function () {
  it('classes every reply status once', () => {
    const table: [number, boolean, string | undefined][] = [
      [200, false, undefined],
      [201, false, undefined],
      [204, false, undefined],
      [302, false, undefined],
      [500, false, 'server'],
      [503, false, 'server'],
      [503, true, 'server'],
      [429, false, 'server'],
      [401, false, 'session'],
      [419, false, 'session'],
      [401, true, 'login'],
      [403, true, 'login'],
      [404, false, 'not_found'],
      [409, false, 'conflict'],
      [412, false, 'precondition'],
      [400, false, 'rejected'],
      [403, false, 'rejected'],
    ];
    for (const [status, login, want] of table) {
      assert.equal(errorClassOfStatus(status, login), want, `${status} login=${login}`);
    }
  });
});
