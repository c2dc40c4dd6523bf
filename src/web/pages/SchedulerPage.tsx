import { Link } from 'react-router';
import { useApi } from '../api.ts';
import { Async, Empty } from '../components/states.tsx';
import { Card, Stat } from '../components/stat.tsx';
import { RangePicker, TextFilter, useUrlParam } from '../components/filters.tsx';
import { DualAxisChart } from '../components/charts.tsx';
import { ms, num, pct } from '../format.ts';
import { stepFor } from '../step.ts';
import type { SchedulerReport } from '../types.ts';

export function SchedulerPage() {
  const [from] = useUrlParam('from', '1h');
  const [model] = useUrlParam('model');
  const [maxSeqs] = useUrlParam('max_num_seqs');
  const report = useApi<SchedulerReport>('/scheduler', {
    from,
    step: stepFor(from),
    model: model || undefined,
    max_num_seqs: maxSeqs || undefined,
  });
  return (
    <>
      <div className="page-head">
        <h1>Scheduler</h1>
        <div className="filters">
          <RangePicker fallback="1h" />
          <TextFilter name="model" label="Model" />
          <TextFilter name="max_num_seqs" label="max_num_seqs" placeholder="for batch utilization" />
        </div>
      </div>
      <Async query={report} what="the scheduler report">
        {(r) => {
          const utilization = r.series.map((p) => p.batchUtilization).filter((v): v is number => v !== null);
          const tokens = r.series.map((p) => p.tokensPerStep).filter((v): v is number => v !== null);
          const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
          return (
            <>
              <div className="stats">
                <Stat
                  label="Fairness (Jain)"
                  value={r.fairnessIndex === null ? '—' : r.fairnessIndex.toFixed(3)}
                  testId="sched-fairness"
                  hint="1 = every tenant gets its share"
                />
                <Stat
                  label="Starved requests"
                  value={num(r.starved.count)}
                  testId="sched-starved"
                  hint={`waited ≥ ${ms(r.starved.thresholdUs)}`}
                  tone={r.starved.count > 0 ? 'warn' : 'ok'}
                />
                <Stat
                  label="Saturated steps"
                  value={num(r.saturatedSteps.length)}
                  hint="backlog grew 3+ steps in a row"
                />
                <Stat
                  label="Batch utilization"
                  value={pct(mean(utilization))}
                  hint={utilization.length ? 'running ÷ max_num_seqs' : 'give max_num_seqs'}
                />
                <Stat label="Tokens per step" value={num(mean(tokens), 0)} />
              </div>
              <Card title="Queue depth and throughput">
                {r.series.length === 0 ? (
                  <Empty>No scheduler data in this range.</Empty>
                ) : (
                  <div data-testid="sched-chart">
                    <DualAxisChart
                      data={r.series.map((p) => ({
                        t: p.startUs,
                        waiting: p.waiting,
                        running: p.running,
                        arrivals: p.arrivals,
                        completions: p.completions,
                      }))}
                      series={[
                        {
                          key: 'waiting',
                          name: 'waiting (mean per replica)',
                          axis: 'left',
                          kind: 'area',
                          color: '#f59e0b',
                        },
                        {
                          key: 'running',
                          name: 'running (mean per replica)',
                          axis: 'left',
                          color: '#2563eb',
                        },
                        { key: 'arrivals', name: 'arrivals', axis: 'right', color: '#64748b' },
                        { key: 'completions', name: 'completions', axis: 'right', color: '#16a34a' },
                      ]}
                      left={{ label: 'sequences', format: (v) => num(v, 1) }}
                      right={{ label: 'requests / step', format: (v) => num(v) }}
                    />
                  </div>
                )}
              </Card>
              <div className="grid-2">
                <Card title="Tenants: share of capacity vs share of demand">
                  {r.tenants.length === 0 ? (
                    <Empty>No tenants in this range.</Empty>
                  ) : (
                    <table data-testid="sched-tenants">
                      <thead>
                        <tr>
                          <th>Tenant</th>
                          <th className="num">Demand</th>
                          <th className="num">Capacity</th>
                          <th className="num">p95 queue</th>
                        </tr>
                      </thead>
                      <tbody>
                        {r.tenants.map((t) => (
                          <tr
                            key={t.tenant}
                            className={t.capacityShare < t.demandShare * 0.8 ? 'warn-row' : ''}
                          >
                            <td>{t.tenant}</td>
                            <td className="num">{pct(t.demandShare)}</td>
                            <td className="num">{pct(t.capacityShare)}</td>
                            <td className="num">{ms(t.p95QueueUs)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </Card>
                <Card title="Longest waits in the queue">
                  {r.starved.examples.length === 0 ? (
                    <Empty>No request waited unusually long.</Empty>
                  ) : (
                    <table>
                      <thead>
                        <tr>
                          <th>Request</th>
                          <th>Tenant</th>
                          <th>Replica</th>
                          <th className="num">Queue</th>
                        </tr>
                      </thead>
                      <tbody>
                        {r.starved.examples.map((e) => (
                          <tr key={e.requestId}>
                            <td className="mono">
                              <Link to={`/requests/${encodeURIComponent(e.requestId)}`}>
                                {e.requestId.slice(0, 24)}
                              </Link>
                            </td>
                            <td>{e.tenant}</td>
                            <td>{e.replica}</td>
                            <td className="num">{ms(e.queueUs)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </Card>
              </div>
            </>
          );
        }}
      </Async>
    </>
  );
}
