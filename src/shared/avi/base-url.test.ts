import assert from 'node:assert/strict';
import { OperatorError } from '../errors.js';
import { parseControllerAddress } from './base-url.js';

describe('parseControllerAddress', function () {
  it('defaults to HTTPS for a bare host or host:port', function () {
    assert.deepEqual(parseControllerAddress('10.0.0.5'), {
      origin: 'https://10.0.0.5',
      secure: true,
      host: '10.0.0.5',
    });
    assert.deepEqual(parseControllerAddress('ctrl.example.com:8443'), {
      origin: 'https://ctrl.example.com:8443',
      secure: true,
      host: 'ctrl.example.com:8443',
    });
  });

  it('honours an explicit scheme and drops a trailing slash', function () {
    assert.deepEqual(parseControllerAddress('http://127.0.0.1:9000/'), {
      origin: 'http://127.0.0.1:9000',
      secure: false,
      host: '127.0.0.1:9000',
    });
    assert.equal(parseControllerAddress('https://[::1]:443').origin, 'https://[::1]');
  });

  it('rejects empty, pathful and non-HTTP addresses as CONFIG_INVALID', function () {
    for (const bad of ['', 'https://h/api', 'ftp://h', 'https://u:p@h', 'https://h?x=1']) {
      assert.throws(
        () => parseControllerAddress(bad),
        (err: unknown) => err instanceof OperatorError && err.code === 'CONFIG_INVALID',
        bad,
      );
    }
  });
});
