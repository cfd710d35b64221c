import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Files of a cluster's PKI. */
export interface Pki {
  dir: string;
  caCrt: string;
  caKey: string;
  apiserverCrt: string;
  apiserverKey: string;
  adminCrt: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

function openssl(dir: string, args: string[]) {
  try {
    execFileSync('openssl', args, {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e: any) {
    throw new Error(
      `openssl ${args[0]} failed: ${e.stderr?.toString() || e.message}`,
    );
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

/**
 * Create a CA, an apiserver serving cert for 127.0.0.1, an admin client cert
 * (group system:masters) and the service-account signing key pair, with the
 * openssl CLI.
 */
export function createPki(dir: string, clusterName: string): Pki {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = (f: string) => path.join(dir, f);
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-nodes',
    ...EC,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '3650',
    '-subj',
    `/CN=helmmec-edge-ca-${clusterName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  fs.writeFileSync(
    p('server.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    p('client.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=clientAuth',
      '',
    ].join('\n'),
  );
  const sign = (name: string, subj: string, ext: string) => {
    openssl(dir, [
      'req',
      '-new',
      '-nodes',
      ...EC,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subj,
    ]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '825',
      '-out',
      `${name}.crt`,
      '-extfile',
      ext,
    ]);
  };
  sign('apiserver', '/CN=kube-apiserver', 'server.ext');
  sign('admin', '/O=system:masters/CN=helmmec-edge-admin', 'client.ext');
  openssl(dir, [
    'genpkey',
    '-algorithm',
    'RSA',
    '-pkeyopt',
    'rsa_keygen_bits:2048',
    '-out',
    'sa.key',
  ]);
  openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  for (const f of fs.readdirSync(dir))
    if (f.endsWith('.key')) fs.chmodSync(p(f), 0o600);
  return {
    dir,
    caCrt: p('ca.crt'),
    caKey: p('ca.key'),
    apiserverCrt: p('apiserver.crt'),
    apiserverKey: p('apiserver.key'),
    adminCrt: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}

/** A kubeconfig (YAML-compatible JSON) with embedded certs. */
export function kubeconfig(opts: {
  name: string;
  server: string;
  caData: string;
  user:
    | { clientCertificateData: string; clientKeyData: string }
    | { token: string };
  namespace?: string;
}): string {
  const user =
    'token' in opts.user
      ? { token: opts.user.token }
      : {
          'client-certificate-data': opts.user.clientCertificateData,
          'client-key-data': opts.user.clientKeyData,
        };
  const userName =
    'token' in opts.user ? `${opts.name}-deployer` : `${opts.name}-admin`;
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: opts.name,
        cluster: {
          server: opts.server,
          'certificate-authority-data': opts.caData,
        },
      },
    ],
    users: [{ name: userName, user }],
    contexts: [
      {
        name: opts.name,
        context: {
          cluster: opts.name,
          user: userName,
          ...(opts.namespace ? { namespace: opts.namespace } : {}),
        },
      },
    ],
    'current-context': opts.name,
    preferences: {},
  };
  return `${JSON.stringify(cfg, null, 2)}\n`;
}

export const b64 = (file: string) => fs.readFileSync(file).toString('base64');
