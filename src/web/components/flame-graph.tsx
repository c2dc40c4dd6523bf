import type { Attribution, RequestRow, SpanRow } from '../types.ts';
import { ms, pct, usd } from '../format.ts';

export const KIND_COLORS: Record<string, string> = {
  gateway: '#64748b',
  route: '#94a3b8',
  network: '#a3a3a3',
  queue: '#f59e0b',
  prefill: '#2563eb',
  kv_transfer: '#9333ea',
  decode: '#16a34a',
  preemption_wait: '#dc2626',
  kv_eviction_wait: '#b91c1c',
  stream: '#0891b2',
};

const PART_COLORS: Record<string, string> = {
  gateway: '#64748b',
  network: '#a3a3a3',
  queue: '#f59e0b',
  compute: '#2563eb',
  waits: '#dc2626',
  stream: '#0891b2',
  other: '#d4d4d8',
};

/** Depth of each span under its parents (a span whose parent is not stored sits at the top). */
function depths(spans: readonly SpanRow[]): Map<string, number> {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const out = new Map<string, number>();
  const depth = (s: SpanRow, seen: Set<string>): number => {
    const known = out.get(s.spanId);
    if (known !== undefined) return known;
    const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
    const d = parent && !seen.has(parent.spanId) ? depth(parent, new Set([...seen, s.spanId])) + 1 : 0;
    out.set(s.spanId, d);
    return d;
  };
  for (const s of spans) depth(s, new Set());
  return out;
}

/** Share of the prompt served from the prefix cache (the request's token counts). */
function cachedShare(request: RequestRow): number | null {
  return request.promptTokens > 0 ? request.cachedPromptTokens / request.promptTokens : null;
}

/**
 * The request as a waterfall: one row per span, placed on the request's own time axis, with its
 * duration and dollars; the bar above splits the end-to-end time into parts that sum to it.
 */
export function FlameGraph({
  request,
  spans,
  attribution,
}: {
  request: RequestRow;
  spans: SpanRow[];
  attribution: Attribution;
}) {
  const start = request.arrivalUs;
  const end = Math.max(start + attribution.e2eUs, ...spans.map((s) => s.startUs + s.durationUs));
  const total = Math.max(1, end - start);
  const level = depths(spans);
  const ordered = [...spans].sort(
    (a, b) => a.startUs - b.startUs || (level.get(a.spanId) ?? 0) - (level.get(b.spanId) ?? 0),
  );
  const at = (us: number) => `${((us - start) / total) * 100}%`;
  const width = (us: number) => `${Math.max(0.2, (us / total) * 100)}%`;
  return (
    <div className="flame" data-testid="flame" data-e2e-us={attribution.e2eUs}>
      <div className="attribution" data-testid="attribution">
        {attribution.parts
          .filter((p) => p.us > 0)
          .map((p) => (
            <div
              key={p.part}
              className="attr-part"
              data-testid="attr-part"
              data-part={p.part}
              data-us={p.us}
              title={`${p.part}: ${ms(p.us)} (${pct(p.share)})`}
              style={{ width: `${p.share * 100}%`, background: PART_COLORS[p.part] ?? '#999' }}
            >
              {p.share > 0.08 ? `${p.part} ${ms(p.us)}` : ''}
            </div>
          ))}
      </div>
      <div className="attr-legend">
        {attribution.parts
          .filter((p) => p.us > 0)
          .map((p) => (
            <span key={p.part}>
              <i style={{ background: PART_COLORS[p.part] }} /> {p.part} {ms(p.us)} · {pct(p.share)}
            </span>
          ))}
      </div>
      <div className="flame-axis">
        <span>0</span>
        <span>{ms(total / 2)}</span>
        <span>{ms(total)}</span>
      </div>
      {ordered.map((s) => {
        const cached = s.kind === 'prefill' ? cachedShare(request) : null;
        return (
          <div
            className="flame-row"
            key={s.spanId}
            data-testid="span-row"
            data-kind={s.kind}
            data-duration-us={s.durationUs}
          >
            <div
              className="flame-label"
              style={{ paddingLeft: `${(level.get(s.spanId) ?? 0) * 12}px` }}
              title={s.name}
            >
              {s.name}
              {s.estimated ? <span className="badge">estimated</span> : null}
            </div>
            <div className="flame-track">
              <div
                className="flame-bar"
                style={{
                  left: at(s.startUs),
                  width: width(s.durationUs),
                  background: KIND_COLORS[s.kind] ?? '#999',
                }}
                title={`${s.kind}: ${ms(s.durationUs)}${s.costUsd !== null ? ` · ${usd(s.costUsd)}` : ''}`}
              >
                {cached !== null && cached > 0 ? (
                  <div
                    className="cached"
                    style={{ width: `${cached * 100}%` }}
                    title={`cached prefix: ${pct(cached)} of the prompt`}
                  />
                ) : null}
              </div>
            </div>
            <div className="flame-num">{ms(s.durationUs)}</div>
            <div className="flame-num">{s.costUsd !== null ? usd(s.costUsd) : '—'}</div>
          </div>
        );
      })}
      <div className="flame-legend">
        {Object.entries(KIND_COLORS)
          .filter(([k]) => spans.some((s) => s.kind === k))
          .map(([k, c]) => (
            <span key={k}>
              <i style={{ background: c }} /> {k}
            </span>
          ))}
        {spans.some((s) => s.kind === 'prefill') ? (
          <span>
            <i className="cached-swatch" /> cached prefix (not recomputed)
          </span>
        ) : null}
      </div>
    </div>
  );
}
