import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of a throwaway CA and what it signed, made with the openssl CLI. */
export interface TestCertificates {
  dir: string;
  /** Paths: the CA's certificate, a server certificate for 127.0.0.1, a client's, and a client signed by another CA. */
  files: Record<
    'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'rogueCert' | 'rogueKey',
    string
  >;
  read(name: keyof TestCertificates['files']): Buffer;
}

const openssl = (dir: string, args: string) =>
  execFileSync('openssl', args.split(' '), { cwd: dir, stdio: 'pipe' });
/** A fresh P-256 key: `-newkey` arguments of `openssl req`. */
const NEW_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';

function makeCa(dir: string, name: string): void {
  openssl(dir, `req -x509 ${NEW_KEY} -keyout ${name}.key -out ${name}.crt -days 2 -subj /CN=${name}`);
}

function sign(dir: string, ca: string, name: string, extensions: string): void {
  openssl(dir, `req ${NEW_KEY} -keyout ${name}.key -out ${name}.csr -subj /CN=${name}`);
  writeFileSync(join(dir, `${name}.ext`), `${extensions}\n`);
  openssl(
    dir,
    `x509 -req -in ${name}.csr -CA ${ca}.crt -CAkey ${ca}.key -CAcreateserial -out ${name}.crt -days 2 -extfile ${name}.ext`,
  );
}

/** A CA, a server certificate for IP 127.0.0.1, a client certificate, and a client of another CA. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'kb-certs-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'rogue-ca');
  sign(dir, 'ca', 'server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth');
  sign(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth');
  sign(dir, 'rogue-ca', 'rogue', 'extendedKeyUsage=clientAuth');
  const files = {
    ca: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    rogueCert: join(dir, 'rogue.crt'),
    rogueKey: join(dir, 'rogue.key'),
  };
  return { dir, files, read: (name) => readFileSync(files[name]) };
}
