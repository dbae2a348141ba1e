import assert from 'node:assert/strict';
import { cookieHeader, parseSetCookie, sessionFrom } from './cookies.js';

describe('session cookies', function () {
  const setCookie = [
    'csrftoken=Qm9xZ7wV1dPq0rT8; Path=/; Secure',
    'sessionid=c0ffee5e55i0n; Path=/; HttpOnly; Secure',
    'avi-sessionid=c0ffee5e55i0n; Path=/; HttpOnly; Secure',
  ];

  it('parses Set-Cookie values without their attributes', function () {
    assert.deepEqual(
      [...parseSetCookie(setCookie)],
      [
        ['csrftoken', 'Qm9xZ7wV1dPq0rT8'],
        ['sessionid', 'c0ffee5e55i0n'],
        ['avi-sessionid', 'c0ffee5e55i0n'],
      ],
    );
    assert.equal(parseSetCookie('a=b=c; Path=/').get('a'), 'b=c');
    assert.equal(parseSetCookie(undefined).size, 0);
  });

  it('needs both a CSRF token and a session id, as the SDK does', function () {
    assert.deepEqual(sessionFrom(parseSetCookie(setCookie)), {
      csrftoken: 'Qm9xZ7wV1dPq0rT8',
      sessionid: 'c0ffee5e55i0n',
      aviSessionid: 'c0ffee5e55i0n',
    });
    assert.deepEqual(sessionFrom(parseSetCookie(['csrftoken=t', 'avi-sessionid=s'])), {
      csrftoken: 't',
      sessionid: 's',
      aviSessionid: 's',
    });
    assert.equal(sessionFrom(parseSetCookie(['csrftoken=t'])), undefined);
    assert.equal(sessionFrom(parseSetCookie(['sessionid=s'])), undefined);
  });

  it('builds the Cookie header of §2.2', function () {
    assert.equal(
      cookieHeader({ csrftoken: 't', sessionid: 's' }),
      'csrftoken=t; sessionid=s; avi-sessionid=s',
    );
  });
});
