import { StringDecoder } from 'node:string_decoder';
import { timingFromLlamacpp, type EngineTiming } from './engine-timing.ts';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number | null;
  reasoningTokens: number | null;
}

// At module level: a named closure made per call costs a name-keeping wrapper per request under tsx.
// Token counts are whole and fit the store's 32-bit counts; anything else is no count at all
// (an engine answering 10.5 or 3e9 must not make the request unstorable).
const num = (v: unknown) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 2 ** 31 - 1 ? v : null;

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
 * first token and of the first visible one (after reasoning), the gaps between data events, the
 * usage in the final chunk and the engine's own timing report (llama.cpp's `timings`). When
 * `stripUsage` is set (the gateway asked for usage the client did not), what the gateway added is
 * taken back out: the usage-only chunk, or only its `usage` field where the engine put fields of
 * its own beside it. Only then are bytes held, and only an incomplete event's.
 */
export class SseTap {
  firstTokenMs = -1;
  firstVisibleTokenMs = -1;
  lastEventMs = -1;
  events = 0;
  maxGapMs = 0;
  gapSumMs = 0;
  usage: Usage | null = null;
  timing: EngineTiming | null = null;
  /** When the event carrying the engine's timing report arrived (the engine had finished). */
  timingAtMs = -1;
  /** The stream's `data: [DONE]` has been seen: what follows is its end. */
  done = false;
  private carry = '';
  /** Keeps a character split across network chunks whole (a chunk may end inside UTF-8). */
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly stripUsage: boolean) {}

  /** Takes a chunk as it arrives; returns what to forward now. */
  push(chunk: Buffer, nowMs: number): Buffer {
    const text = this.carry + this.decoder.write(chunk);
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
      const replacement = this.observe(event, nowMs);
      if (replacement !== null && this.stripUsage) {
        dropped = true;
        if (replacement !== '') forward += `${replacement}\n\n`;
      } else if (this.stripUsage) forward += `${event}\n\n`;
    }
    if (!this.stripUsage) return chunk;
    return dropped || this.carry !== '' || forward.length !== chunk.length ? Buffer.from(forward) : chunk;
  }

  /** What is left at the end of the stream (an event without its blank line). */
  flush(nowMs: number): Buffer {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    if (rest.trim() === '') return this.stripUsage ? Buffer.from(rest) : EMPTY;
    const replacement = this.observe(rest, nowMs);
    if (!this.stripUsage) return EMPTY;
    return Buffer.from(replacement ?? rest);
  }

  /**
   * Notes one event. For a chunk that carries usage and no choices, returns what to forward in its
   * place when the usage was ours to remove: '' (nothing) or the event without `usage`; else null.
   */
  private observe(event: string, nowMs: number): string | null {
    const dataAt = event.indexOf('data:');
    if (dataAt < 0) return null;
    const data = event.slice(dataAt + 5).trim();
    if (data === '[DONE]') {
      this.done = true;
      return null;
    }
    this.events++;
    if (this.lastEventMs >= 0) {
      const gap = nowMs - this.lastEventMs;
      this.gapSumMs += gap;
      if (gap > this.maxGapMs) this.maxGapMs = gap;
    }
    this.lastEventMs = nowMs;
    if (this.firstTokenMs < 0 && ANY_TOKEN.test(data)) this.firstTokenMs = nowMs;
    if (this.firstVisibleTokenMs < 0 && VISIBLE_TOKEN.test(data)) this.firstVisibleTokenMs = nowMs;
    const hasTimings = data.includes('"timings"');
    if (!hasTimings && !data.includes('"usage"')) return null;
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return null;
    }
    const timing = hasTimings ? timingFromLlamacpp(payload) : null;
    if (timing) {
      this.timing = timing;
      this.timingAtMs = nowMs;
    }
    const usage = readUsage(payload);
    if (usage) this.usage = usage;
    if (usage === null || !Array.isArray(payload.choices) || payload.choices.length > 0) return null;
    const { usage: _ours, ...rest } = payload;
    const engineFields = Object.keys(rest).filter((key) => !OPENAI_CHUNK_FIELDS.has(key));
    return engineFields.length === 0 ? '' : `data: ${JSON.stringify(rest)}`;
  }
}

const EMPTY = Buffer.alloc(0);
/** Fields of an OpenAI chat/completions chunk; anything else in a usage chunk is the engine's own. */
const OPENAI_CHUNK_FIELDS = new Set([
  'id',
  'object',
  'created',
  'model',
  'system_fingerprint',
  'service_tier',
  'choices',
  'obfuscation',
]);
