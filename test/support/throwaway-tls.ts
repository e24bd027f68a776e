/**
 * A throwaway certificate authority and a server certificate for 127.0.0.1, made with the `openssl` CLI, for
 * stand-ins that must speak HTTPS (MSAL refuses an http authority). A child process trusts the CA through
 * NODE_EXTRA_CA_CERTS — as an operator trusts a private CA — so no TLS check is switched off anywhere. Valid one
 * day; the files live in the test's temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ThrowawayTls {
  /** PEM file of the CA certificate (for NODE_EXTRA_CA_CERTS). */
  readonly caFile: string;
  readonly ca: string;
  /** Server key and certificate (SAN IP:127.0.0.1), PEM. */
  readonly key: string;
  readonly cert: string;
}

export function makeThrowawayTls(dir: string): ThrowawayTls {
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=SOC Reminders throwaway test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(file('server.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '1', '-extfile', file('server.ext'));
  return {
    caFile: file('ca.pem'),
    ca: readFileSync(file('ca.pem'), 'utf8'),
    key: readFileSync(file('server.key'), 'utf8'),
    cert: readFileSync(file('server.pem'), 'utf8'),
  };
}
