import assert from 'node:assert/strict';
import type { PeerCertificate } from 'node:tls';
import { certificateIdentities, memberOf, peerIdentityOf } from './peer-identity.js';

function cert(cn: string | string[] | undefined, san?: string): PeerCertificate {
  return { subject: { CN: cn }, subjectaltname: san } as unknown as PeerCertificate;
}

describe('peer identity', () => {
  it('names the subject CN first, then each DNS SAN once', () => {
    assert.deepEqual(
      certificateIdentities(cert('cluster1', 'DNS:cluster1, DNS:site-a, IP Address:127.0.0.1')),
      ['cluster1', 'site-a'],
    );
    assert.deepEqual(certificateIdentities(cert(undefined, 'DNS:cluster2')), ['cluster2']);
    assert.deepEqual(certificateIdentities(cert(['a', 'b'])), ['a', 'b']);
    assert.deepEqual(certificateIdentities(undefined), []);
  });

  it('finds the member a verified peer is, ignoring what it claims', () => {
    const peer = peerIdentityOf({ sslPeerCertificate: cert('site-x', 'DNS:cluster2') });
    assert.equal(memberOf(peer, ['cluster1', 'cluster2']), 'cluster2');
    assert.equal(memberOf(peer, ['cluster1'], 'cluster1'), undefined);
  });

  it('takes an unverified (plaintext) peer at its word', () => {
    const peer = peerIdentityOf({});
    assert.deepEqual(peer, { verified: false });
    assert.equal(memberOf(peer, ['cluster1'], 'cluster1'), 'cluster1');
    assert.equal(memberOf(peer, ['cluster1'], 'cluster9'), undefined);
    assert.equal(memberOf(peer, ['cluster1']), undefined);
  });
});
