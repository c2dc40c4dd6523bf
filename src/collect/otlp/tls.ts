import { readFileSync } from 'node:fs';

/** Server certificate and key for the OTLP receivers; with `clientCa`, senders must present a certificate it signed (mTLS). */
export interface OtlpTls {
  cert: Buffer;
  key: Buffer;
  clientCa: Buffer | null;
}

export interface OtlpTlsFiles {
  cert_file: string;
  key_file: string;
  client_ca_file?: string | undefined;
}

/** Reads the PEM files the config names; a file that cannot be read is named in the error. */
export function readOtlpTls(files: OtlpTlsFiles): OtlpTls {
  const read = (field: keyof OtlpTlsFiles, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new RangeError(
        `collect.otlp.tls.${field}: cannot read "${path}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        { cause: err },
      );
    }
  };
  return {
    cert: read('cert_file', files.cert_file),
    key: read('key_file', files.key_file),
    clientCa: files.client_ca_file ? read('client_ca_file', files.client_ca_file) : null,
  };
}
