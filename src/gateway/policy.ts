import type { GatewayTenantConfig } from '../config/schema.ts';
import { refusal, type Refusal } from './openai-error.ts';
import { TokenBucket } from './rate-limit.ts';
import { bearerToken, TenantDirectory } from './tenants.ts';

/** Month-to-date spend per tenant, for budgets (store-backed in production, see budget.ts). */
export interface SpendSource {
  spentUsd(tenant: string): number;
  spentTokens(tenant: string): number;
}

export interface Admission {
  tenant: GatewayTenantConfig;
  /** max_tokens to send upstream (the tenant's cap applied), or null to leave it unset. */
  maxTokens: number | null;
  /** Tokens reserved against tokens_per_minute; settle() corrects it from the usage. */
  reservedTokens: number;
}

const DEFAULT_COMPLETION_ESTIMATE = 256;

/**
 * Admission per tenant: a valid key (401), a model it may use (403), max_tokens within its cap
 * (capped, or 400 when strict), requests and tokens per minute (429 with Retry-After), and the
 * month's budget (429, retry at the start of next month).
 */
export class TenantPolicy {
  private readonly requestBuckets = new Map<string, TokenBucket>();
  private readonly tokenBuckets = new Map<string, TokenBucket>();
  private readonly directory: TenantDirectory;

  constructor(
    tenants: readonly GatewayTenantConfig[],
    private readonly spend: SpendSource | null,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.directory = new TenantDirectory(tenants);
    const now = nowMs();
    for (const t of tenants) {
      if (t.requests_per_minute) this.requestBuckets.set(t.name, new TokenBucket(t.requests_per_minute, now));
      if (t.tokens_per_minute) this.tokenBuckets.set(t.name, new TokenBucket(t.tokens_per_minute, now));
    }
  }

  /** The tenant of the request's key, or the 401 to answer — decided before any body is read. */
  authenticate(authorization: string | undefined): GatewayTenantConfig | Refusal {
    const key = bearerToken(authorization);
    if (!key)
      return refusal(
        401,
        'invalid_request_error',
        'missing_api_key',
        'No API key: send Authorization: Bearer <key>.',
      );
    return (
      this.directory.byKey(key) ??
      refusal(401, 'invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.')
    );
  }

  admit(
    authorization: string | undefined,
    model: string | null,
    requestedMaxTokens: number | null,
    promptTokens: number,
  ): Admission | Refusal {
    const tenant = this.authenticate(authorization);
    if (isRefusal(tenant)) return tenant;
    if (model !== null && tenant.models.length > 0 && !tenant.models.includes(model))
      return refusal(
        403,
        'permission_error',
        'model_not_allowed',
        `Tenant ${tenant.name} may not use model "${model}"; allowed: ${tenant.models.join(', ')}.`,
        { param: 'model' },
      );
    let maxTokens = requestedMaxTokens;
    if (tenant.max_tokens !== undefined) {
      if (maxTokens !== null && maxTokens > tenant.max_tokens && tenant.strict_max_tokens)
        return refusal(
          400,
          'invalid_request_error',
          'max_tokens_exceeded',
          `max_tokens ${maxTokens} is above tenant ${tenant.name}'s limit of ${tenant.max_tokens}.`,
          { param: 'max_tokens' },
        );
      maxTokens = Math.min(maxTokens ?? tenant.max_tokens, tenant.max_tokens);
    }
    const now = this.nowMs();
    if (this.spend) {
      const budgetRefusal = this.checkBudget(tenant, now);
      if (budgetRefusal) return budgetRefusal;
    }
    const requests = this.requestBuckets.get(tenant.name);
    const waitRequests = requests?.take(1, now) ?? 0;
    if (waitRequests > 0)
      return refusal(
        429,
        'rate_limit_exceeded',
        'rate_limit_exceeded',
        `Rate limit reached for tenant ${tenant.name}: ${tenant.requests_per_minute} requests per minute.`,
        { retryAfterS: waitRequests / 1000 },
      );
    const reservedTokens = promptTokens + (maxTokens ?? DEFAULT_COMPLETION_ESTIMATE);
    const tokens = this.tokenBuckets.get(tenant.name);
    const waitTokens = tokens?.take(reservedTokens, now) ?? 0;
    if (waitTokens === Infinity) {
      requests?.adjust(-1, now);
      return refusal(
        429,
        'rate_limit_exceeded',
        'request_too_large',
        `Request too large for tenant ${tenant.name}: it reserves ${reservedTokens} tokens, over the limit of ${tenant.tokens_per_minute} per minute. Send a shorter prompt or a lower max_tokens.`,
      );
    }
    if (waitTokens > 0) {
      requests?.adjust(-1, now); // the request was not served: give its slot back
      return refusal(
        429,
        'rate_limit_exceeded',
        'tokens_rate_limit_exceeded',
        `Token rate limit reached for tenant ${tenant.name}: ${tenant.tokens_per_minute} tokens per minute (this request reserves ${reservedTokens}).`,
        { retryAfterS: waitTokens / 1000 },
      );
    }
    return { tenant, maxTokens, reservedTokens: tokens ? reservedTokens : 0 };
  }

  /** After the response: replaces the token reservation with the tokens actually used. */
  settle(admission: Admission, usedTokens: number | null): void {
    const bucket = this.tokenBuckets.get(admission.tenant.name);
    if (bucket && usedTokens !== null) bucket.adjust(usedTokens - admission.reservedTokens, this.nowMs());
  }

  private checkBudget(tenant: GatewayTenantConfig, nowMs: number): Refusal | null {
    const spend = this.spend as SpendSource;
    const date = new Date(nowMs);
    const nextMonth = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    const retryAfterS = (nextMonth - nowMs) / 1000;
    if (tenant.monthly_budget_usd !== undefined && spend.spentUsd(tenant.name) >= tenant.monthly_budget_usd)
      return refusal(
        429,
        'insufficient_quota',
        'monthly_budget_exceeded',
        `Tenant ${tenant.name} has spent its monthly budget of $${tenant.monthly_budget_usd}.`,
        { retryAfterS },
      );
    if (
      tenant.monthly_budget_tokens !== undefined &&
      spend.spentTokens(tenant.name) >= tenant.monthly_budget_tokens
    )
      return refusal(
        429,
        'insufficient_quota',
        'monthly_budget_exceeded',
        `Tenant ${tenant.name} has used its monthly budget of ${tenant.monthly_budget_tokens} tokens.`,
        { retryAfterS },
      );
    return null;
  }
}

export function isRefusal<T extends object>(value: T | Refusal): value is Refusal {
  return 'status' in value && 'body' in value;
}
