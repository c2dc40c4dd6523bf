import { createHash } from 'node:crypto';
import type { GatewayTenantConfig } from '../config/schema.ts';

/** How an API key is stored: sha256, hex. The gateway never keeps a key itself. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? (match[1] as string).trim() : null;
}

export class TenantDirectory {
  private readonly byHash = new Map<string, GatewayTenantConfig>();

  constructor(readonly tenants: readonly GatewayTenantConfig[]) {
    for (const tenant of tenants) for (const hash of tenant.key_sha256) this.byHash.set(hash, tenant);
  }

  /** The tenant owning the key, or null. Looked up by hash: no key text is compared. */
  byKey(key: string): GatewayTenantConfig | null {
    return this.byHash.get(hashApiKey(key)) ?? null;
  }
}
