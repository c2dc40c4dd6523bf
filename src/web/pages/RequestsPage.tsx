import { Link, useSearchParams } from 'react-router';
import { useApi } from '../api.ts';
import { Async, Empty } from '../components/states.tsx';
import { Card } from '../components/stat.tsx';
import { RangePicker, SelectFilter, TextFilter, useUrlParam } from '../components/filters.tsx';
import { ms, num, pct, time, usd } from '../format.ts';
import type { AggregateRow, RequestDimension, RequestRow } from '../types.ts';

const SORTS = [
  ['e2e_us', 'slowest first'],
  ['cost_usd', 'most expensive first'],
  ['ttft_us', 'longest TTFT first'],
  ['queue_us', 'longest queue first'],
  ['arrival', 'newest first'],
] as const;

const ABOVE = [
  ['', 'any latency'],
  ['p50', '≥ p50'],
  ['p95', '≥ p95'],
  ['p99', '≥ p99'],
] as const;

/** The filters this page reads from the URL, as API parameters. */
function useRequestFilters() {
  const [search] = useSearchParams();
  const pick = (k: string) => search.get(k) ?? undefined;
  return {
    from: pick('from') ?? '15m',
    model: pick('model'),
    team: pick('team'),
    cluster: pick('cluster'),
    status: pick('status'),
    replica: pick('replica'),
  };
}

export function RequestsPage() {
  const filters = useRequestFilters();
  const [orderBy] = useUrlParam('sort', 'e2e_us');
  const [above] = useUrlParam('above');
  const [id] = useUrlParam('id');
  const [byParam] = useUrlParam('by', 'model');
  const by = byParam as RequestDimension;
  const percentiles = useApi<{ rows: AggregateRow[] }>('/percentiles', { ...filters, by });
  const requests = useApi<{ requests: RequestRow[]; threshold?: { value: number | null } }>('/requests', {
    ...filters,
    order_by: orderBy,
    above: above || undefined,
    id: id || undefined,
    limit: 50,
  });
  return (
    <>
      <div className="page-head">
        <h1>Requests</h1>
      </div>
      <div className="filters">
        <RangePicker />
        <TextFilter name="model" label="Model" />
        <TextFilter name="team" label="Team" />
        <TextFilter name="cluster" label="Cluster" />
        <TextFilter name="status" label="Status" placeholder="ok, error, timeout…" />
        <TextFilter name="id" label="Request id" placeholder="id or its start" />
        <SelectFilter name="above" label="Latency" options={ABOVE} fallback="" />
        <SelectFilter name="sort" label="Order" options={SORTS} fallback="e2e_us" />
      </div>
      <Card
        title="Latency percentiles"
        actions={
          <SelectFilter
            name="by"
            label="by"
            options={[
              ['model', 'model'],
              ['team', 'team'],
              ['cluster', 'cluster'],
              ['workload', 'workload'],
              ['replica', 'replica'],
              ['tenant', 'tenant'],
            ]}
            fallback="model"
          />
        }
      >
        <Async query={percentiles} what="percentiles">
          {(p) =>
            p.rows.length === 0 ? (
              <Empty>No requests match these filters in this range.</Empty>
            ) : (
              <table data-testid="percentiles">
                <thead>
                  <tr>
                    <th>{by}</th>
                    <th className="num">Requests</th>
                    <th className="num">Errors</th>
                    <th className="num">TTFT p50</th>
                    <th className="num">TTFT p95</th>
                    <th className="num">TTFT p99</th>
                    <th className="num">TPOT p50</th>
                    <th className="num">Latency p50</th>
                    <th className="num">Latency p95</th>
                    <th className="num">Latency p99</th>
                    <th className="num">Spend</th>
                  </tr>
                </thead>
                <tbody>
                  {p.rows.map((r) => {
                    const v = r.values;
                    const count = v.count ?? 0;
                    return (
                      <tr key={r.group[by] ?? ''}>
                        <td>{r.group[by] || '—'}</td>
                        <td className="num">{num(count)}</td>
                        <td className="num">{pct(count > 0 ? (v.errors ?? 0) / count : null, 2)}</td>
                        <td className="num">{ms(v.p50_ttft_us)}</td>
                        <td className="num">{ms(v.p95_ttft_us)}</td>
                        <td className="num" data-testid="ttft-p99">
                          {ms(v.p99_ttft_us)}
                        </td>
                        <td className="num">{ms(v.p50_tpot_us)}</td>
                        <td className="num">{ms(v.p50_e2e_us)}</td>
                        <td className="num">{ms(v.p95_e2e_us)}</td>
                        <td className="num">{ms(v.p99_e2e_us)}</td>
                        <td className="num">{usd(v.sum_cost_usd, 2)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )
          }
        </Async>
      </Card>
      <Card title={`Requests (${SORTS.find(([k]) => k === orderBy)?.[1] ?? orderBy})`}>
        <Async query={requests} what="requests">
          {(r) =>
            r.requests.length === 0 ? (
              <Empty>No requests match these filters in this range.</Empty>
            ) : (
              <>
                {r.threshold ? (
                  <p className="note">Showing requests at or above {ms(r.threshold.value)} end-to-end.</p>
                ) : null}
                <table data-testid="requests">
                  <thead>
                    <tr>
                      <th>Request</th>
                      <th>Arrived</th>
                      <th>Model</th>
                      <th>Team</th>
                      <th>Replica</th>
                      <th>Status</th>
                      <th className="num">TTFT</th>
                      <th className="num">Latency</th>
                      <th className="num">Tokens in / cached / out</th>
                      <th className="num">Cost</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.requests.map((q) => (
                      <tr key={q.requestId}>
                        <td className="mono">
                          <Link to={`/requests/${encodeURIComponent(q.requestId)}`}>
                            {q.requestId.slice(0, 28)}
                          </Link>
                        </td>
                        <td>{time(q.arrivalUs)}</td>
                        <td>{q.model}</td>
                        <td>{q.team ?? '—'}</td>
                        <td>{q.replica}</td>
                        <td>
                          <span className={`badge ${q.status === 'ok' ? 'ok' : 'bad'}`}>{q.status}</span>
                        </td>
                        <td className="num">{ms(q.ttftUs)}</td>
                        <td className="num" data-testid="req-e2e">
                          {ms(q.e2eUs)}
                        </td>
                        <td className="num">
                          {num(q.promptTokens)} / {num(q.cachedPromptTokens)} / {num(q.outputTokens)}
                        </td>
                        <td className="num">{usd(q.costUsd)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )
          }
        </Async>
      </Card>
    </>
  );
}
