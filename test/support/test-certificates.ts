import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate authority made with openssl for one test: PEM files in `dir`. */
export interface TestCa {
  readonly dir: string;
  readonly name: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A fresh self-signed CA called `name`, in `dir` (which must exist). */
export function makeTestCa(dir: string, name: string): TestCa {
  const certFile = join(dir, `${name}.ca.pem`);
  const keyFile = join(dir, `${name}.ca.key`);
  openssl([
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', `/CN=${name} test CA`,
    '-keyout', keyFile, '-out', certFile,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]); // prettier-ignore
  return { dir, name, certFile, keyFile };
}

/** A leaf certificate signed by `ca`, for a server (with these SANs) or a client. */
export function issueCertificate(
  ca: TestCa,
  name: string,
  options: { commonName: string; subjectAltNames?: string[]; usage: 'server' | 'client' },
): IssuedCertificate {
  const certFile = join(ca.dir, `${name}.pem`);
  const keyFile = join(ca.dir, `${name}.key`);
  const csr = join(ca.dir, `${name}.csr`);
  const ext = join(ca.dir, `${name}.ext`);
  const lines = [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${options.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
  ];
  if (options.subjectAltNames?.length) lines.push(`subjectAltName=${options.subjectAltNames.join(',')}`);
  writeFileSync(ext, `${lines.join('\n')}\n`);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${options.commonName}`,
    '-keyout',
    keyFile,
    '-out',
    csr,
  ]);
  openssl([
    'x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial',
    '-days', '30', '-extfile', ext, '-out', certFile,
  ]); // prettier-ignore
  return { certFile, keyFile };
}
