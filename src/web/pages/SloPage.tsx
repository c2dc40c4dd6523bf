import { Link, useParams } from 'react-router';
import { useApi } from '../api.ts';
import { Async, Empty } from '../components/states.tsx';
import { Card, Meter } from '../components/stat.tsx';
import { RangePicker, useUrlParam } from '../components/filters.tsx';
import { DualAxisChart } from '../components/charts.tsx';
import { AlertEvidence } from '../components/evidence.tsx';
import { dateTime, ms, num, pct } from '../format.ts';
import type { AlertEvent, BandLatency, SloStatus } from '../types.ts';

interface SloHistory {
  status: SloStatus;
  history: {
    burnRate: Record<string, { t: number; v: number }[]>;
    budgetRemaining: { t: number; v: number }[];
  };
  alerts: AlertEvent[];
  bandLatency: BandLatency[];
}

function burnTone(burn: number): 'bad' | 'warn' | 'ok' {
  return burn >= 6 ? 'bad' : burn >= 1 ? 'warn' : 'ok';
}

function SloDetail({ name }: { name: string }) {
  const [from] = useUrlParam('from', '24h');
  const detail = useApi<SloHistory>(`/slo/${encodeURIComponent(name)}`, { from });
  return (
    <Async query={detail} what={`SLO ${name}`}>
      {({ status, history, alerts, bandLatency }) => {
        const windows = Object.keys(history.burnRate).sort();
        const times = [
          ...new Set([
            ...history.budgetRemaining.map((p) => p.t),
            ...windows.flatMap((w) => (history.burnRate[w] ?? []).map((p) => p.t)),
          ]),
        ].sort((a, b) => a - b);
        const data = times.map((t) => ({
          t,
          budget: history.budgetRemaining.find((p) => p.t === t)?.v ?? null,
          ...Object.fromEntries(
            windows.map((w) => [`burn_${w}`, history.burnRate[w]?.find((p) => p.t === t)?.v ?? null]),
          ),
        }));
        return (
          <>
            <Card title={`${status.slo}: ${status.description ?? ''}`}>
              <div className="stats">
                <div className="stat" data-testid="slo-budget">
                  <div className="stat-label">Budget remaining ({status.window})</div>
                  <div className="stat-value">{pct(status.budgetRemaining, 1)}</div>
                  <Meter value={status.budgetRemaining} tone={status.budgetRemaining < 0.25 ? 'bad' : 'ok'} />
                </div>
                <div className="stat">
                  <div className="stat-label">SLI / objective</div>
                  <div className="stat-value">{pct(status.sli, 3)}</div>
                  <div className="stat-hint">
                    objective {pct(status.objective, 2)}
                    {status.tokenWeighted ? ' · token-weighted' : ''}
                  </div>
                </div>
                <div className="stat">
                  <div className="stat-label">Events</div>
                  <div className="stat-value">{num(status.total)}</div>
                  <div className="stat-hint">{num(status.total - status.good)} bad</div>
                </div>
              </div>
              <div className="grid-2">
                <table data-testid="slo-windows">
                  <thead>
                    <tr>
                      <th>Window</th>
                      <th className="num">Error ratio</th>
                      <th className="num">Burn rate</th>
                    </tr>
                  </thead>
                  <tbody>
                    {status.windows.map((w) => (
                      <tr key={w.window}>
                        <td>{w.window}</td>
                        <td className="num">{pct(w.errorRatio, 2)}</td>
                        <td className="num">
                          <span className={`badge ${burnTone(w.burnRate)}`}>{w.burnRate.toFixed(2)}×</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <table data-testid="slo-bands">
                  <thead>
                    <tr>
                      <th>Prompt-length band</th>
                      <th className="num">Requests</th>
                      <th className="num">Over target</th>
                    </tr>
                  </thead>
                  <tbody>
                    {status.bands.map((b) => (
                      <tr key={b.band}>
                        <td>{b.band}</td>
                        <td className="num">{num(b.total)}</td>
                        <td className="num">{pct(b.errorRatio, 2)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </Card>
            {bandLatency.length > 0 ? (
              <Card title={`Latency per band over the last ${from}`}>
                <table data-testid="slo-band-latency">
                  <thead>
                    <tr>
                      <th>Band</th>
                      <th className="num">Target</th>
                      <th className="num">Requests</th>
                      <th className="num">p50</th>
                      <th className="num">p90</th>
                      <th className="num">p99</th>
                    </tr>
                  </thead>
                  <tbody>
                    {bandLatency.map((b) => (
                      <tr key={b.band}>
                        <td>
                          {b.band} <span className="muted">{b.field.replace(/_us$/, '')}</span>
                        </td>
                        <td className="num">{ms(b.thresholdUs)}</td>
                        <td className="num">{num(b.requests)}</td>
                        {[b.p50Us, b.p90Us, b.p99Us].map((v, i) => (
                          <td key={i} className="num">
                            <span className={v !== null && v > b.thresholdUs ? 'badge bad' : undefined}>
                              {ms(v)}
                            </span>
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Card>
            ) : null}
            <Card title="Burn rate and budget over time" actions={<RangePicker fallback="24h" />}>
              {data.length === 0 ? (
                <Empty>No evaluations stored in this range yet.</Empty>
              ) : (
                <DualAxisChart
                  data={data}
                  series={[
                    ...windows.map((w) => ({ key: `burn_${w}`, name: `burn ${w}`, axis: 'left' as const })),
                    {
                      key: 'budget',
                      name: 'budget remaining',
                      axis: 'right' as const,
                      kind: 'area' as const,
                      color: '#16a34a',
                    },
                  ]}
                  left={{ label: 'burn rate', format: (v) => `${v.toFixed(1)}×` }}
                  right={{ label: 'budget', format: (v) => pct(v, 0) }}
                />
              )}
            </Card>
            <Card title="Alert history">
              {alerts.length === 0 ? (
                <Empty>No alert transitions in this range.</Empty>
              ) : (
                <ul className="timeline" data-testid="slo-alerts">
                  {alerts.map((a) => (
                    <li key={`${a.subject}-${a.timeUs}-${a.state}`}>
                      <span
                        className={`badge ${a.state === 'firing' ? 'bad' : a.state === 'resolved' ? 'ok' : 'warn'}`}
                      >
                        {a.state}
                      </span>{' '}
                      {a.subject} at {dateTime(a.timeUs)}
                      {a.body.report ? <AlertEvidence report={a.body.report} /> : null}
                    </li>
                  ))}
                </ul>
              )}
            </Card>
          </>
        );
      }}
    </Async>
  );
}

export function SloPage() {
  const { name } = useParams();
  const list = useApi<{ slos: SloStatus[]; note?: string }>('/slo');
  return (
    <>
      <div className="page-head">
        <h1>SLOs</h1>
      </div>
      <Async query={list} what="SLOs">
        {({ slos, note }) =>
          slos.length === 0 ? (
            <Empty>{note ?? 'No SLOs visible to this token.'}</Empty>
          ) : (
            <>
              <Card title="Every SLO">
                <table data-testid="slo-list">
                  <thead>
                    <tr>
                      <th>SLO</th>
                      <th>Selects</th>
                      <th className="num">Objective</th>
                      <th className="num">SLI</th>
                      <th>Budget remaining</th>
                      <th>Burn (shortest → longest window)</th>
                      <th>Alerts</th>
                    </tr>
                  </thead>
                  <tbody>
                    {slos.map((s) => (
                      <tr key={s.slo} className={s.slo === (name ?? slos[0]?.slo) ? 'highlight' : ''}>
                        <td>
                          <Link to={`/slos/${encodeURIComponent(s.slo)}`}>{s.slo}</Link>
                        </td>
                        <td>
                          {Object.entries(s.selector)
                            .map(([k, v]) => `${k}=${v}`)
                            .join(', ') || 'all'}
                        </td>
                        <td className="num">{pct(s.objective, 2)}</td>
                        <td className="num">{pct(s.sli, 3)}</td>
                        <td data-testid="slo-budget-cell">
                          <Meter value={s.budgetRemaining} tone={s.budgetRemaining < 0.25 ? 'bad' : 'ok'} />{' '}
                          {pct(s.budgetRemaining, 1)}
                        </td>
                        <td>
                          {s.windows.map((w) => (
                            <span key={w.window} className={`badge ${burnTone(w.burnRate)}`} title={w.window}>
                              {w.window} {w.burnRate.toFixed(1)}×
                            </span>
                          ))}
                        </td>
                        <td>
                          {s.alerts.map((a) => (
                            <span
                              key={a.alert}
                              className={`badge ${a.state === 'firing' ? 'bad' : a.state === 'pending' ? 'warn' : 'ok'}`}
                            >
                              {a.alert}: {a.state}
                            </span>
                          ))}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Card>
              <SloDetail key={name ?? slos[0]?.slo} name={name ?? (slos[0]?.slo as string)} />
            </>
          )
        }
      </Async>
    </>
  );
}
