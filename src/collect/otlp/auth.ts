import { createHash } from 'node:crypto';

/**
 * Who may write over OTLP: with tokens configured (`collect.otlp.bearer_tokens_sha256`, sha256 hex
 * of each), every export must carry `Authorization: Bearer <token>` (HTTP header or gRPC
 * metadata); without any, the port is open to whoever can reach it (see docs/security.md).
 */
export class OtlpAuth {
  private readonly hashes: ReadonlySet<string>;

  constructor(tokenSha256: readonly string[] = []) {
    this.hashes = new Set(tokenSha256);
  }

  get required(): boolean {
    return this.hashes.size > 0;
  }

  allows(authorization: string | undefined): boolean {
    if (!this.required) return true;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    return (
      match !== null &&
      this.hashes.has(
        createHash('sha256')
          .update(match[1] as string)
          .digest('hex'),
      )
    );
  }
}
