import { createHash } from 'node:crypto';

/** The prompt text of an OpenAI request body: chat messages in order, or the completion prompt. */
export function promptText(body: Record<string, unknown>): string {
  const messages = body.messages;
  if (Array.isArray(messages))
    return messages
      .map((m: unknown) => {
        // Any JSON may arrive here ([null], [1]): what is not a message object has no text.
        if (typeof m !== 'object' || m === null) return '';
        const message = m as { role?: unknown; content?: unknown };
        const content = Array.isArray(message.content)
          ? message.content
              .map((part: { text?: unknown } | null) => (typeof part?.text === 'string' ? part.text : ''))
              .join('')
          : typeof message.content === 'string'
            ? message.content
            : '';
        return `${typeof message.role === 'string' ? message.role : ''}\n${content}\n`;
      })
      .join('');
  const prompt = body.prompt;
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt)) return prompt.map(String).join('\n');
  if (typeof body.input === 'string') return body.input;
  return '';
}

/**
 * Chained hashes of the prompt's leading whole blocks: block i's hash covers blocks 0..i, as an
 * engine's prefix cache keys its KV blocks. Two prompts sharing a system prompt share the first
 * hashes. Only hashes leave this function; the text is not kept.
 */
export function prefixBlockHashes(text: string, blockChars: number, maxBlocks: number): string[] {
  const hashes: string[] = [];
  if (text.length < blockChars) return hashes; // no whole block: nothing to hash
  const hash = createHash('sha256');
  for (let i = 0; i < maxBlocks && (i + 1) * blockChars <= text.length; i++) {
    hash.update(text.slice(i * blockChars, (i + 1) * blockChars));
    hashes.push(hash.copy().digest('hex').slice(0, 16));
  }
  return hashes;
}

/** Rough prompt tokens from characters (≈ 4 per token in English), for admission estimates. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
