/** The error body OpenAI's API returns, so clients' SDKs surface our refusals as they would theirs. */
export interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface Refusal {
  status: 400 | 401 | 403 | 404 | 429 | 502 | 503 | 504;
  body: OpenAiError;
  /** Seconds, for 429 and 503. */
  retryAfterS?: number;
}

export function refusal(
  status: Refusal['status'],
  type: string,
  code: string | null,
  message: string,
  options: { param?: string; retryAfterS?: number } = {},
): Refusal {
  return {
    status,
    body: { error: { message, type, param: options.param ?? null, code } },
    ...(options.retryAfterS !== undefined
      ? { retryAfterS: Math.max(1, Math.ceil(options.retryAfterS)) }
      : {}),
  };
}
