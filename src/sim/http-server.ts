import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FinishedSequence, SimRequestSpec } from './engine.ts';
import { metricsPath, renderEngineMetrics } from './exposition/index.ts';
import type { DcgmExporter } from './exposition/dcgm.ts';
import type { Fleet, SimReplica } from './fleet.ts';
import {
  chatCompletionBody,
  completionBody,
  estimateTokens,
  messageText,
  openAiError,
  parseTraceparent,
  tokenText,
  type ChatCompletionBody,
  type CompletionBody,
} from './openai-api.ts';
import type { TenantProfile } from './workload.ts';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A replica's OpenAI-compatible server, as vLLM/SGLang/trtllm-serve/llama-server expose it. */
export class ReplicaServer {
  private server: Server | null = null;
  port = 0;
  private requestCounter = 0;

  constructor(
    private readonly fleet: Fleet,
    private readonly replica: SimReplica,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error & { status?: number }) => {
        if (!res.headersSent) sendJson(res, err.status ?? 500, openAiError(err.message, 'server_error'));
        else res.end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const engine = this.replica.engine;
    const up = engine.isUp(this.fleet.nowUs);
    if (req.method === 'GET' && path === metricsPath(engine.config.engine)) {
      const text = renderEngineMetrics(engine, this.fleet.nowUs);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(text);
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      if (up) return sendJson(res, 200, engine.config.engine === 'llamacpp' ? { status: 'ok' } : {});
      return sendJson(res, 503, {
        error: { code: 503, message: 'Loading model', type: 'unavailable_error' },
      });
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, {
        object: 'list',
        data: [
          {
            id: engine.config.card.servedName,
            object: 'model',
            created: Math.floor(engine.stats.startedAtSeconds),
            owned_by: engine.config.engine,
            max_model_len: engine.config.card.maxModelLen,
          },
        ],
      });
    }
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/completions')) {
      return this.completion(req, res, path === '/v1/chat/completions');
    }
    sendJson(res, 404, openAiError(`no route for ${req.method} ${path}`, 'invalid_request_error', 404));
  }

  private async completion(req: IncomingMessage, res: ServerResponse, chat: boolean): Promise<void> {
    const engine = this.replica.engine;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readBody(req));
    } catch (err) {
      const status = (err as { status?: number }).status ?? 400;
      return sendJson(
        res,
        status,
        openAiError(
          status === 413 ? 'request body too large' : 'request body is not valid JSON',
          'invalid_request_error',
        ),
      );
    }
    const result = (chat ? chatCompletionBody : completionBody).safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      return sendJson(
        res,
        400,
        openAiError(`${issue?.path.join('.') || 'body'}: ${issue?.message}`, 'invalid_request_error'),
      );
    }
    const body = result.data;
    const card = engine.config.card;
    if (body.model !== card.servedName && body.model !== card.id) {
      return sendJson(
        res,
        404,
        openAiError(`The model \`${body.model}\` does not exist.`, 'NotFoundError', 404),
      );
    }
    if (!engine.isUp(this.fleet.nowUs)) {
      return sendJson(res, 503, openAiError('Loading model', 'unavailable_error', 503));
    }
    // Prompt: the system message is a shared prefix (its blocks hash by content), the rest unique.
    let systemText = '';
    let restText = '';
    if (chat) {
      for (const m of (body as ChatCompletionBody).messages) {
        if (m.role === 'system' || m.role === 'developer') systemText += messageText(m.content);
        else restText += messageText(m.content);
      }
    } else {
      const prompt = (body as CompletionBody).prompt;
      restText = Array.isArray(prompt) ? prompt.join('') : prompt;
    }
    const maxTokens = Math.min(body.max_completion_tokens ?? body.max_tokens ?? 256, card.maxModelLen);
    const tenant: TenantProfile = {
      tenant: String(req.headers['x-tenant'] ?? 'http-client'),
      team: String(req.headers['x-team'] ?? req.headers['x-tenant'] ?? 'http-client'),
      model: card.id,
      requestsPerSecond: 0,
      families: systemText
        ? [{ id: `sys-${hashText(systemText)}`, systemPromptTokens: estimateTokens(systemText), weight: 1 }]
        : [],
      userPromptMedian: estimateTokens(restText),
      userPromptSigma: 0,
      outputMedian: Math.min(maxTokens, 120),
      outputSigma: 0.6,
      maxTokens,
      reasoningShare: card.reasoning ? 0.5 : 0,
    };
    const trace = parseTraceparent(req.headers.traceparent as string | undefined);
    const prefix = chat ? 'chatcmpl' : 'cmpl';
    const spec: SimRequestSpec = this.fleet.makeRequest(tenant, {
      requestId: `${prefix}-${(++this.requestCounter).toString(16).padStart(8, '0')}${this.fleet.random.hex(16)}`,
      ...(trace ? { traceId: trace.traceId, parentSpanId: trace.parentSpanId } : {}),
      // Whoever called over HTTP (the gateway, curl) traces on its own, not as a simulated app.
      callerTraced: false,
    });
    const created = Math.floor(this.fleet.nowUs / 1e6);
    const stream = body.stream === true;
    const includeUsage = body.stream_options?.include_usage === true;
    let sent = 0;
    let finished = false;
    const object = chat ? 'chat.completion.chunk' : 'text_completion';
    const chunk = (fields: Record<string, unknown>) =>
      `data: ${JSON.stringify({ id: spec.requestId, object, created, model: body.model, ...fields })}\n\n`;
    const choice = (text: string, finishReason: string | null) =>
      chat
        ? {
            index: 0,
            delta: sent === 0 ? { role: 'assistant', content: text } : { content: text },
            logprobs: null,
            finish_reason: finishReason,
          }
        : { index: 0, text, logprobs: null, finish_reason: finishReason };
    const usage = (done: FinishedSequence) => ({
      prompt_tokens: spec.promptTokens,
      completion_tokens: done.generated,
      total_tokens: spec.promptTokens + done.generated,
      prompt_tokens_details: { cached_tokens: done.cachedPromptTokens },
      ...(spec.reasoningTokens > 0
        ? { completion_tokens_details: { reasoning_tokens: Math.min(spec.reasoningTokens, done.generated) } }
        : {}),
    });
    if (stream)
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
    await new Promise<void>((resolve) => {
      spec.listener = {
        onTokens: (count) => {
          if (!stream) return;
          let text = '';
          for (let i = 0; i < count; i++) text += tokenText(sent + i);
          res.write(chunk({ choices: [choice(text, null)] }));
          sent += count;
        },
        onFinish: (done) => {
          finished = true;
          const reason =
            done.finishReason === 'abort'
              ? 'abort'
              : done.finishReason === 'error'
                ? 'error'
                : done.finishReason;
          if (stream) {
            if (!res.writableEnded && !res.destroyed) {
              res.write(chunk({ choices: [choice('', reason)] }));
              if (includeUsage) res.write(chunk({ choices: [], usage: usage(done) }));
              res.end('data: [DONE]\n\n');
            }
          } else if (done.finishReason === 'error') {
            sendJson(
              res,
              500,
              openAiError('engine failed while serving the request', 'InternalServerError', 500),
            );
          } else {
            let text = '';
            for (let i = 0; i < done.generated; i++) text += tokenText(i);
            const message = chat
              ? { message: { role: 'assistant', content: text }, index: 0, finish_reason: reason }
              : { text, index: 0, finish_reason: reason };
            sendJson(res, 200, {
              id: spec.requestId,
              object: chat ? 'chat.completion' : 'text_completion',
              created,
              model: body.model,
              choices: [message],
              usage: usage(done),
            });
          }
          resolve();
        },
      };
      // A client that goes away cancels the request in the engine (frees its batch slot and KV).
      res.on('close', () => {
        if (!finished) {
          engine.abort(spec.requestId, this.fleet.nowUs);
          resolve();
        }
      });
      if (!this.fleet.submit(spec, card.id, this.replica.spec.replica)) {
        finished = true;
        if (stream) res.end();
        else sendJson(res, 503, openAiError('Loading model', 'unavailable_error', 503));
        resolve();
      }
    });
  }
}

function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

/** A node's DCGM exporter on its own port (9400 in a real cluster). */
export class DcgmServer {
  private server: Server | null = null;
  port = 0;

  constructor(
    private readonly fleet: Fleet,
    readonly exporter: DcgmExporter,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/metrics`;
  }

  async listen(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(this.exporter.render(this.fleet.nowUs));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
