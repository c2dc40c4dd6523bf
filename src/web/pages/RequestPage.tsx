import { Link, useParams } from 'react-router';
import { useApi } from '../api.ts';
import { Async } from '../components/states.tsx';
import { Card, Stat } from '../components/stat.tsx';
import { FlameGraph } from '../components/flame-graph.tsx';
import { dateTime, ms, num, pct, usd } from '../format.ts';
import type { RequestDetail } from '../types.ts';

/** This request beside the median request of its model at the time, phase by phase. */
function Comparison({ detail }: { detail: RequestDetail }) {
  const { request, typical, explanation } = detail;
  const rows: [string, string, string][] = [
    ['End-to-end', ms(request.e2eUs), ms(typical.e2eUs)],
    ['Time to first token', ms(request.ttftUs), ms(typical.ttftUs)],
    ...explanation.phases.map((p): [string, string, string] => [p.phase, ms(p.us), ms(p.typicalUs)]),
    ['Prompt tokens', num(request.promptTokens), num(typical.promptTokens)],
    ['Output tokens', num(request.outputTokens), num(typical.outputTokens)],
    ['Cost', usd(request.costUsd), usd(typical.costUsd)],
  ];
  const widest = Math.max(1, ...explanation.phases.flatMap((p) => [p.us ?? 0, p.typicalUs ?? 0]));
  return (
    <div className="grid-2">
      <table data-testid="compare">
        <thead>
          <tr>
            <th />
            <th className="num">This request</th>
            <th className="num">Typical (mean of {num(typical.requests)} peers)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, mine, usual]) => (
            <tr key={label} className={explanation.phase === label ? 'highlight' : ''}>
              <td>{label}</td>
              <td className="num">{mine}</td>
              <td className="num">{usual}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="phase-bars">
        {explanation.phases.map((p) => (
          <div key={p.phase} className="phase-bar">
            <div className="phase-name">{p.phase}</div>
            <div className="phase-track">
              <div
                className="mine"
                style={{ width: `${((p.us ?? 0) / widest) * 100}%` }}
                title={`this: ${ms(p.us)}`}
              />
              <div
                className="usual"
                style={{ width: `${((p.typicalUs ?? 0) / widest) * 100}%` }}
                title={`typical: ${ms(p.typicalUs)}`}
              />
            </div>
          </div>
        ))}
        <div className="flame-legend">
          <span>
            <i className="mine-swatch" /> this request
          </span>
          <span>
            <i className="usual-swatch" /> typical
          </span>
        </div>
      </div>
    </div>
  );
}

export function RequestPage() {
  const { id = '' } = useParams();
  const detail = useApi<RequestDetail>(`/requests/${encodeURIComponent(id)}`);
  return (
    <>
      <div className="page-head">
        <h1>
          <Link to="/requests">Requests</Link> / <span className="mono">{id}</span>
        </h1>
      </div>
      <Async query={detail} what="the request">
        {(d) => (
          <>
            <div className="root-cause" data-testid="root-cause">
              <b>Root cause:</b> {d.explanation.label}
              {d.attribution.blame ? <span className="badge">most time: {d.attribution.blame}</span> : null}
            </div>
            <div className="stats">
              <Stat
                label="Latency"
                value={ms(d.request.e2eUs)}
                testId="rq-e2e"
                hint={dateTime(d.request.arrivalUs)}
              />
              <Stat label="TTFT" value={ms(d.request.ttftUs)} />
              <Stat
                label="Cost"
                value={usd(d.request.costUsd)}
                testId="rq-cost"
                hint={d.request.cacheSavingsUsd ? `cache saved ${usd(d.request.cacheSavingsUsd)}` : undefined}
              />
              <Stat
                label="Prompt (cached)"
                value={`${num(d.request.promptTokens)} (${pct(d.request.promptTokens > 0 ? d.request.cachedPromptTokens / d.request.promptTokens : null, 0)})`}
                hint={`${num(d.request.outputTokens)} output tokens`}
              />
              <Stat
                label="Where"
                value={d.request.replica}
                hint={`${d.request.model} · ${d.request.engine} · ${d.request.cluster}`}
              />
              <Stat label="Who" value={d.request.team ?? '—'} hint={`tenant ${d.request.tenant}`} />
              <Stat
                label="Status"
                value={d.request.status}
                tone={d.request.status === 'ok' ? 'ok' : 'bad'}
                hint={d.request.preemptions ? `preempted ${d.request.preemptions}×` : undefined}
              />
            </div>
            <Card title="Inference flame graph">
              <FlameGraph request={d.request} spans={d.spans} attribution={d.attribution} />
            </Card>
            <Card title="Compared with a typical request">
              <Comparison detail={d} />
            </Card>
          </>
        )}
      </Async>
    </>
  );
}
