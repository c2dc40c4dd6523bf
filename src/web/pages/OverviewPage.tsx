import { Link } from 'react-router';
import { useApi } from '../api.ts';
import { Async, Empty } from '../components/states.tsx';
import { Card, Meter, Stat } from '../components/stat.tsx';
import { RangePicker, useUrlParam } from '../components/filters.tsx';
import { DualAxisChart } from '../components/charts.tsx';
import { ms, num, pct, usd } from '../format.ts';
import type { OverviewAnswer, TimeseriesPoint } from '../types.ts';

export function OverviewPage() {
  const [from] = useUrlParam('from', '5m');
  const overview = useApi<OverviewAnswer>('/overview', { from });
  const series = useApi<{ points: TimeseriesPoint[] }>('/timeseries', {
    from: from === '5m' || from === '15m' ? '1h' : from,
    step: from === '5m' || from === '15m' ? '1m' : undefined,
  });
  return (
    <>
      <div className="page-head">
        <h1>Overview</h1>
        <div className="filters">
          <RangePicker fallback="5m" />
        </div>
      </div>
      <Async query={overview} what="the fleet's health">
        {(o) => (
          <>
            <div className="stats">
              <Stat
                label="Requests / s"
                value={num(o.traffic.requestsPerSecond, 1)}
                testId="ov-rps"
                hint={`${num(o.traffic.requests)} requests`}
              />
              <Stat
                label="Errors"
                value={pct(o.traffic.errorRatio, 2)}
                tone={(o.traffic.errorRatio ?? 0) > 0.01 ? 'bad' : 'ok'}
                testId="ov-errors"
              />
              <Stat label="p99 TTFT" value={ms(o.traffic.ttftP99Us)} testId="ov-ttft" />
              <Stat label="p99 latency" value={ms(o.traffic.e2eP99Us)} testId="ov-e2e" />
              <Stat
                label="Spend rate"
                value={`${usd(o.spend.totalPerHourUsd, 2)}/h`}
                testId="ov-spend"
                hint={
                  o.spend.idlePerHourUsd === null
                    ? 'your teams’ usage'
                    : `usage ${usd(o.spend.usagePerHourUsd, 2)}/h · idle GPUs ${usd(o.spend.idlePerHourUsd, 2)}/h`
                }
              />
              {o.replicasReporting !== null ? (
                <Stat label="Replicas reporting" value={num(o.replicasReporting)} testId="ov-replicas" />
              ) : null}
            </div>
            <div className="grid-2">
              <Card title="SLOs">
                {o.slos.length === 0 ? (
                  <Empty>No SLOs configured (slos: in the config).</Empty>
                ) : (
                  <table data-testid="ov-slos">
                    <thead>
                      <tr>
                        <th>SLO</th>
                        <th>Objective</th>
                        <th>SLI</th>
                        <th>Budget left</th>
                        <th>Alerts</th>
                      </tr>
                    </thead>
                    <tbody>
                      {o.slos.map((s) => (
                        <tr key={s.slo}>
                          <td>
                            <Link to={`/slos/${encodeURIComponent(s.slo)}`}>{s.slo}</Link>
                          </td>
                          <td>{pct(s.objective, 2)}</td>
                          <td>{pct(s.sli, 3)}</td>
                          <td>
                            <Meter
                              value={s.budgetRemaining}
                              tone={
                                s.budgetRemaining < 0.25 ? 'bad' : s.budgetRemaining < 0.5 ? 'warn' : 'ok'
                              }
                            />{' '}
                            {pct(s.budgetRemaining, 1)}
                          </td>
                          <td>
                            {s.firing.length > 0 ? (
                              // One badge per alert: they wrap between badges, never out of the cell.
                              s.firing.map((alert) => (
                                <span key={alert} className="badge bad">
                                  firing: {alert}
                                </span>
                              ))
                            ) : (
                              <span className="badge ok">ok</span>
                            )}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </Card>
              <Card title="Top regressions (vs the hour before)">
                {o.regressions.length === 0 ? (
                  <Empty>Nothing got worse than in the hour before.</Empty>
                ) : (
                  <table data-testid="ov-regressions">
                    <thead>
                      <tr>
                        <th>Model</th>
                        <th>What got worse</th>
                        <th>p99 TTFT</th>
                        <th>Requests</th>
                      </tr>
                    </thead>
                    <tbody>
                      {o.regressions.map((r) => (
                        <tr key={r.group}>
                          <td>
                            <Link to={`/requests?model=${encodeURIComponent(r.group)}&from=${from}`}>
                              {r.group}
                            </Link>
                          </td>
                          <td>{r.summary}</td>
                          <td>
                            {ms(r.baselineTtftP99Us)} → <b>{ms(r.ttftP99Us)}</b>
                          </td>
                          <td>{num(r.requests)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </Card>
            </div>
          </>
        )}
      </Async>
      <Card title="Traffic and latency">
        <Async query={series} what="the time series">
          {(s) =>
            s.points.length === 0 ? (
              <Empty>No requests in this range.</Empty>
            ) : (
              <DualAxisChart
                data={s.points.map((p) => ({
                  t: p.t,
                  rps: p.requestsPerSecond,
                  ttft: p.ttftP99Us,
                  e2e: p.e2eP99Us,
                }))}
                series={[
                  { key: 'rps', name: 'requests/s', axis: 'left', kind: 'area' },
                  { key: 'ttft', name: 'p99 TTFT', axis: 'right' },
                  { key: 'e2e', name: 'p99 latency', axis: 'right' },
                ]}
                left={{ label: 'req/s', format: (v) => num(v, 1) }}
                right={{ label: 'latency', format: ms }}
              />
            )
          }
        </Async>
      </Card>
    </>
  );
}
