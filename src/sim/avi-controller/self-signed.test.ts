import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { selfSignedCertificate } from './self-signed.js';

describe('selfSignedCertificate', function () {
  const notBefore = new Date('2026-01-01T00:00:00Z');
  const pair = selfSignedCertificate({
    commonName: 'amko-avi-sim',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
    notBefore,
    days: 30,
  });
  const cert = new X509Certificate(pair.cert);

  it('is a CA certificate signed by its own key', function () {
    assert.equal(cert.subject, 'CN=amko-avi-sim');
    assert.equal(cert.issuer, 'CN=amko-avi-sim');
    assert.equal(cert.ca, true);
    assert.ok(cert.verify(cert.publicKey));
    assert.ok(cert.checkPrivateKey(createPrivateKey(pair.key)));
  });

  it('names the loopback addresses and has the asked validity', function () {
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkIP('10.0.0.1'), undefined);
    assert.equal(new Date(cert.validFrom).toISOString(), notBefore.toISOString());
    assert.equal(new Date(cert.validTo).getTime() - notBefore.getTime(), 30 * 86_400_000);
  });
});
