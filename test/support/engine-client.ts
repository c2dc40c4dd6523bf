/**
 * A client that measures what a user measures: when it sent a chat completion, when the first
 * content byte arrived (streaming), when the answer ended, and what the engine said about its own
 * timing (llama.cpp `timings`). The ground truth the real-engine tests compare KubeBurner with.
 */
export interface LlamacppTimings {
  cache_n: number;
  prompt_n: number;
  prompt_ms: number;
  predicted_n: number;
  predicted_ms: number;
}

export interface ClientObservation {
  requestId: string;
  stream: boolean;
  includeUsage: boolean;
  status: number;
  sentMs: number;
  /** First chunk with content (streaming only). */
  firstContentMs: number | null;
  endMs: number;
  timings: LlamacppTimings | null;
  usage: { prompt_tokens: number; completion_tokens: number } | null;
  /** The raw SSE stream or JSON body, as the client received it. */
  body: string;
}

export interface ChatCall {
  baseUrl: string;
  requestId: string;
  model: string;
  prompt: string;
  maxTokens: number;
  stream: boolean;
  includeUsage?: boolean;
  headers?: Record<string, string>;
}

export async function observeChat(call: ChatCall): Promise<ClientObservation> {
  const sentMs = performance.now();
  const response = await fetch(`${call.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': call.requestId, ...call.headers },
    body: JSON.stringify({
      model: call.model,
      messages: [{ role: 'user', content: call.prompt }],
      max_tokens: call.maxTokens,
      // Exact output lengths: the random-weight model would otherwise stop at random.
      ignore_eos: true,
      stream: call.stream,
      ...(call.stream && call.includeUsage ? { stream_options: { include_usage: true } } : {}),
    }),
  });
  let firstContentMs: number | null = null;
  let body = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    body += decoder.decode(chunk, { stream: true });
    if (firstContentMs === null && call.stream && /"content":"(?!")/.test(body))
      firstContentMs = performance.now();
  }
  body += decoder.decode();
  const endMs = performance.now();
  const payloads = call.stream
    ? body
        .split('\n\n')
        .map((event) => event.replace(/^data: /, '').trim())
        .filter((data) => data.startsWith('{'))
        .map((data) => JSON.parse(data) as Record<string, unknown>)
    : response.ok
      ? [JSON.parse(body) as Record<string, unknown>]
      : [];
  const last = <T>(key: string) => payloads.findLast((p) => p[key] !== undefined)?.[key] as T | undefined;
  return {
    requestId: call.requestId,
    stream: call.stream,
    includeUsage: call.includeUsage ?? false,
    status: response.status,
    sentMs,
    firstContentMs,
    endMs,
    timings: last<LlamacppTimings>('timings') ?? null,
    usage: last<ClientObservation['usage']>('usage') ?? null,
    body,
  };
}
