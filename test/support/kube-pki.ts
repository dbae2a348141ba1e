import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Files of the certificates a local API server and its admin client use. */
export interface KubePki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  await run('openssl', [...args], { cwd });
}

async function signedCert(
  dir: string,
  name: string,
  opts: { subject: string; ext: string },
): Promise<void> {
  const ext = path.join(dir, `${name}.ext`);
  await writeFile(ext, opts.ext);
  await openssl(
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      opts.subject,
    ]),
    dir,
  );
  await openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key'].concat([
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '7',
      '-extfile',
      ext,
    ]),
    dir,
  );
}

/**
 * Makes, with the openssl command, a CA, a serving certificate for 127.0.0.1/localhost, an admin
 * client certificate (group system:masters) and a service-account key pair, all in `dir`.
 */
export async function makeKubePki(dir: string): Promise<KubePki> {
  await openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'].concat([
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '7',
      '-subj',
      '/CN=amko-test-clusters-ca',
    ]),
    dir,
  );
  await signedCert(dir, 'server', {
    subject: '/CN=kube-apiserver',
    ext: 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  });
  await signedCert(dir, 'admin', {
    subject: '/O=system:masters/CN=amko-admin',
    ext: 'extendedKeyUsage=clientAuth\n',
  });
  await run('openssl', ['genrsa', '-out', 'sa.key', '2048'], { cwd: dir });
  await run('openssl', ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], { cwd: dir });
  const f = (n: string): string => path.join(dir, n);
  return {
    caCert: f('ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    adminCert: f('admin.crt'),
    adminKey: f('admin.key'),
    saKey: f('sa.key'),
    saPub: f('sa.pub'),
  };
}

/**
 * Makes a client certificate for user `user` (optionally in `groups`), signed by the CA that
 * `makeKubePki` made in `dir`: the API servers authenticate it, and RBAC decides what it may do.
 */
export async function makeUserCert(
  dir: string,
  user: string,
  groups: readonly string[] = [],
): Promise<{ certFile: string; keyFile: string }> {
  const name = `user-${user}`;
  const subject = `${groups.map((g) => `/O=${g}`).join('')}/CN=${user}`;
  await signedCert(dir, name, { subject, ext: 'extendedKeyUsage=clientAuth\n' });
  return { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
}
