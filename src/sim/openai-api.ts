import { z } from 'zod';

/** The request bodies the simulated engines accept, validated at the edge. */
const message = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool', 'developer']),
  content: z.union([
    z.string(),
    z.array(z.object({ type: z.string(), text: z.string().optional() }).passthrough()),
  ]),
});

const common = {
  model: z.string().min(1),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  n: z.literal(1).optional(),
};

export const chatCompletionBody = z.object({ ...common, messages: z.array(message).min(1) }).passthrough();
export const completionBody = z
  .object({ ...common, prompt: z.union([z.string(), z.array(z.string()).min(1)]) })
  .passthrough();

export type ChatCompletionBody = z.infer<typeof chatCompletionBody>;
export type CompletionBody = z.infer<typeof completionBody>;

/** ~4 characters per token, as tokenizers of English text average; the simulator has no vocabulary. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function messageText(content: z.infer<typeof message>['content']): string {
  return typeof content === 'string' ? content : content.map((part) => part.text ?? '').join('');
}

/** OpenAI's error shape. */
export function openAiError(message: string, type: string, code: number | string | null = null) {
  return { error: { message, type, param: null, code } };
}

/** W3C traceparent: version-traceid-parentid-flags. */
export function parseTraceparent(
  header: string | undefined,
): { traceId: string; parentSpanId: string } | null {
  const match = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(header?.trim() ?? '');
  if (!match || /^0+$/.test(match[1] as string) || /^0+$/.test(match[2] as string)) return null;
  return { traceId: match[1] as string, parentSpanId: match[2] as string };
}

const WORDS = [
  'the',
  'model',
  'serves',
  'tokens',
  'from',
  'a',
  'simulated',
  'GPU',
  'with',
  'paged',
  'attention',
  'and',
  'continuous',
  'batching',
];

/** Filler text for generated tokens: the simulator models timing, not language. */
export function tokenText(index: number): string {
  return `${index === 0 ? '' : ' '}${WORDS[index % WORDS.length]}`;
}
