export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number | null;
  reasoningTokens: number | null;
}

// At module level: a named closure made per call costs a name-keeping wrapper per request under tsx.
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Reads OpenAI usage from a response object (stream chunk or whole body). */
export function readUsage(payload: unknown): Usage | null {
  const usage = (payload as { usage?: Record<string, unknown> } | null)?.usage;
  if (!usage || typeof usage !== 'object') return null;
  const prompt = num(usage.prompt_tokens);
  if (prompt === null) return null;
  const promptDetails = usage.prompt_tokens_details as Record<string, unknown> | undefined;
  const completionDetails = usage.completion_tokens_details as Record<string, unknown> | undefined;
  return {
    promptTokens: prompt,
    completionTokens: num(usage.completion_tokens) ?? 0,
    cachedTokens: num(promptDetails?.cached_tokens),
    reasoningTokens: num(completionDetails?.reasoning_tokens),
  };
}

const ANY_TOKEN = /"(content|text|reasoning_content|reasoning)":"(?!")/;
const VISIBLE_TOKEN = /"(content|text)":"(?!")/;

/**
 * Watches a server-sent-events stream passing through, without holding it up: the time of the
 * first token and of the first visible one (after reasoning), the gaps between data events, and
 * the usage in the final chunk. When `stripUsage` is set (the gateway asked for usage the client
 * did not), the usage-only chunk is removed from what is forwarded; only then are bytes held, and
 * only an incomplete event's.
 */
export class SseTap {
  firstTokenMs = -1;
  firstVisibleTokenMs = -1;
  lastEventMs = -1;
  events = 0;
  maxGapMs = 0;
  gapSumMs = 0;
  usage: Usage | null = null;
  private carry = '';

  constructor(private readonly stripUsage: boolean) {}

  /** Takes a chunk as it arrives; returns what to forward now. */
  push(chunk: Buffer, nowMs: number): Buffer {
    const text = this.carry + chunk.toString('utf8');
    const end = text.lastIndexOf('\n\n');
    if (end < 0) {
      this.carry = text;
      return this.stripUsage ? EMPTY : chunk;
    }
    this.carry = text.slice(end + 2);
    const complete = text.slice(0, end + 2);
    let forward = '';
    let dropped = false;
    for (const event of complete.split('\n\n')) {
      if (event === '') continue;
      const drop = this.observe(event, nowMs);
      if (drop && this.stripUsage) dropped = true;
      else if (this.stripUsage) forward += `${event}\n\n`;
    }
    if (!this.stripUsage) return chunk;
    return dropped || this.carry !== '' || forward.length !== chunk.length ? Buffer.from(forward) : chunk;
  }

  /** What is left at the end of the stream (an event without its blank line). */
  flush(nowMs: number): Buffer {
    const rest = this.carry;
    this.carry = '';
    if (rest.trim() === '') return this.stripUsage ? Buffer.from(rest) : EMPTY;
    const drop = this.observe(rest, nowMs);
    return this.stripUsage && !drop ? Buffer.from(rest) : EMPTY;
  }

  /** Notes one event; returns true when it is a usage-only chunk. */
  private observe(event: string, nowMs: number): boolean {
    const dataAt = event.indexOf('data:');
    if (dataAt < 0) return false;
    const data = event.slice(dataAt + 5).trim();
    if (data === '[DONE]') return false;
    this.events++;
    if (this.lastEventMs >= 0) {
      const gap = nowMs - this.lastEventMs;
      this.gapSumMs += gap;
      if (gap > this.maxGapMs) this.maxGapMs = gap;
    }
    this.lastEventMs = nowMs;
    if (this.firstTokenMs < 0 && ANY_TOKEN.test(data)) this.firstTokenMs = nowMs;
    if (this.firstVisibleTokenMs < 0 && VISIBLE_TOKEN.test(data)) this.firstVisibleTokenMs = nowMs;
    if (!data.includes('"usage"')) return false;
    try {
      const payload = JSON.parse(data) as { choices?: unknown[] };
      const usage = readUsage(payload);
      if (usage) this.usage = usage;
      return usage !== null && Array.isArray(payload.choices) && payload.choices.length === 0;
    } catch {
      return false;
    }
  }
}

const EMPTY = Buffer.alloc(0);
