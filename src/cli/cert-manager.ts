/** cert-manager resources that issue the federation certificates in the clusters (pure). */
import { stringify } from 'yaml';
import { AVI_SYSTEM } from '../shared/crd/common.js';

/** The Issuer, and the Secret holding the federation CA it signs with. */
export const CA_SECRET = 'amko-federation-ca';

/** cert-manager resources that issue the same certificates in the clusters. */
export function certManagerYaml(
  clusters: readonly string[],
  secretName: string,
  days: number,
): string {
  const issuer = {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Issuer',
    metadata: { name: CA_SECRET, namespace: AVI_SYSTEM },
    spec: { ca: { secretName: CA_SECRET } },
  };
  const certs = clusters.map((c) => ({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: {
      name: secretName,
      namespace: AVI_SYSTEM,
      annotations: { 'kubectl-amko/cluster': c },
    },
    spec: {
      secretName,
      commonName: c,
      dnsNames: [c],
      subject: { organizations: ['amko'] },
      duration: `${days * 24}h`,
      privateKey: { algorithm: 'ECDSA', size: 256 },
      usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'],
      issuerRef: { name: CA_SECRET, kind: 'Issuer', group: 'cert-manager.io' },
    },
  }));
  const header =
    `# The Secret ${AVI_SYSTEM}/${CA_SECRET} (type kubernetes.io/tls: the federation CA's tls.crt and\n` +
    `# tls.key) must exist in every cluster. Apply the Issuer in every cluster and, in each cluster,\n` +
    `# only the Certificate annotated with its own context name. The issued Secret ${secretName}\n` +
    `# has tls.crt, tls.key and ca.crt, as the chart expects.\n`;
  return header + [issuer, ...certs].map((d) => `---\n${stringify(d)}`).join('');
}
