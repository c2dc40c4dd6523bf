import { useApi } from '../api.ts';
import { Async, Empty } from '../components/states.tsx';
import { Card } from '../components/stat.tsx';
import { RangePicker, useUrlParam } from '../components/filters.tsx';
import { StackedShareChart } from '../components/charts.tsx';
import { num, pct, usd } from '../format.ts';
import type { GpuBreakdownReport, TpBalance } from '../types.ts';

const PARTS = [
  ['prefill', 'prefill', '#2563eb'],
  ['decode', 'decode', '#16a34a'],
  ['recomputed_prefill', 'recomputed prefill', '#9333ea'],
  ['communication_wait', 'communication wait', '#f97316'],
  ['abandoned', 'abandoned', '#dc2626'],
  ['idle', 'idle', '#94a3b8'],
  ['unattributed', 'unattributed', '#e5e7eb'],
] as const;

export function GpuPage() {
  const [from] = useUrlParam('from', '1h');
  const report = useApi<GpuBreakdownReport & { tp: TpBalance[] }>('/gpu', { from });
  return (
    <>
      <div className="page-head">
        <h1>GPUs</h1>
        <div className="filters">
          <RangePicker fallback="1h" />
        </div>
      </div>
      <Async query={report} what="the GPU time breakdown">
        {(r) => (
          <>
            <Card title="Where each replica's GPU time went">
              {r.replicas.length === 0 ? (
                <Empty>No priced replicas in this range.</Empty>
              ) : (
                <div data-testid="gpu-chart">
                  <StackedShareChart
                    labelKey="replica"
                    data={r.replicas.map((row) => ({
                      replica: row.group,
                      ...Object.fromEntries(PARTS.map(([k]) => [k, row.parts[k]?.share ?? 0])),
                    }))}
                    parts={PARTS.map(([key, name, color]) => ({ key, name, color }))}
                  />
                </div>
              )}
            </Card>
            <Card title="GPU time by replica">
              <table data-testid="gpu-rows">
                <thead>
                  <tr>
                    <th>Replica</th>
                    <th>Model</th>
                    <th>GPUs</th>
                    <th className="num">GPU-hours held</th>
                    <th className="num">Cost</th>
                    <th className="num">Busy (prefill + decode)</th>
                    <th className="num">Idle</th>
                    <th className="num">Comm. wait</th>
                    <th>From</th>
                  </tr>
                </thead>
                <tbody>
                  {r.replicas.map((row) => (
                    <tr key={row.group}>
                      <td>{row.group}</td>
                      <td>{row.model}</td>
                      <td>
                        {row.gpuCount}× {row.gpuType}
                      </td>
                      <td className="num">{num(row.heldGpuSeconds / 3600, 2)}</td>
                      <td className="num">{usd(row.heldGpuSeconds * row.usdPerGpuSecond, 2)}</td>
                      <td className="num">
                        {pct((row.parts.prefill?.share ?? 0) + (row.parts.decode?.share ?? 0))}
                      </td>
                      <td className="num">{pct(row.parts.idle?.share)}</td>
                      <td className="num">{pct(row.parts.communication_wait?.share)}</td>
                      <td>{row.attributedFrom}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {r.unpricedReplicas.length > 0 ? (
                <p className="note">No GPU price for: {r.unpricedReplicas.join(', ')}</p>
              ) : null}
            </Card>
            <Card title="Tensor-parallel balance (DCGM engine-active per GPU)">
              {r.tp.length === 0 ? (
                <Empty>No multi-GPU replica exported per-GPU activity in this range.</Empty>
              ) : (
                <table data-testid="tp-balance">
                  <thead>
                    <tr>
                      <th>Replica</th>
                      <th>Engine active, GPU by GPU</th>
                      <th className="num">Spread</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.tp.map((t) => (
                      <tr key={t.replica} className={t.spread > 0.15 ? 'warn-row' : ''}>
                        <td>{t.replica}</td>
                        <td>
                          <div className="tp-bars">
                            {t.engineActive.map((v, i) => (
                              <span
                                key={i}
                                title={`GPU ${i}: ${pct(v)}`}
                                style={{ height: `${Math.max(2, v * 100) * 0.3}px` }}
                              />
                            ))}
                          </div>
                        </td>
                        <td className="num">{pct(t.spread)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
          </>
        )}
      </Async>
    </>
  );
}
