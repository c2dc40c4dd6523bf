import { useState } from 'react';
import { apiDownload, useApi } from '../api.ts';
import { Async, Empty, ErrorState } from '../components/states.tsx';
import { Card, Stat } from '../components/stat.tsx';
import { RangePicker, SelectFilter, useUrlParam } from '../components/filters.tsx';
import { DualAxisChart } from '../components/charts.tsx';
import { ms, num, usd, usdTick } from '../format.ts';
import { stepFor } from '../step.ts';
import type { ChargebackDimension, ChargebackReport, LatencyCostPoint, WastedSpendSeries } from '../types.ts';

const BY = [
  ['team', 'team'],
  ['cluster', 'cluster'],
  ['workload', 'workload'],
  ['model', 'model'],
  ['team,model', 'team × model'],
  ['cluster,workload', 'cluster × workload'],
] as const;

function LatencyCost({ from }: { from: string }) {
  const series = useApi<{ points: LatencyCostPoint[] }>('/cost/latency', {
    from,
    step: stepFor(from),
    by: 'model',
  });
  const [model, setModel] = useUrlParam('chart_model');
  return (
    <Async query={series} what="latency and cost">
      {({ points }) => {
        const models = [...new Set(points.map((p) => p.group))].sort();
        const chosen = model && models.includes(model) ? model : models[0];
        const data = points
          .filter((p) => p.group === chosen)
          .map((p) => ({ t: p.bucketStartUs, ttft: p.ttftP99Us, per1k: p.usdPer1kTokens }));
        return models.length === 0 ? (
          <Empty>No requests in this range.</Empty>
        ) : (
          <>
            <label className="field inline">
              Model
              <select aria-label="chart model" value={chosen} onChange={(e) => setModel(e.target.value)}>
                {models.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            </label>
            <div data-testid="latency-cost-chart">
              <DualAxisChart
                data={data}
                series={[
                  { key: 'ttft', name: 'TTFT p99', axis: 'left' },
                  { key: 'per1k', name: '$ per 1k tokens', axis: 'right', color: '#f97316' },
                ]}
                left={{ label: 'TTFT p99', format: ms }}
                right={{ label: '$/1k tokens', format: usdTick }}
              />
            </div>
          </>
        );
      }}
    </Async>
  );
}

function WastedSpend({ from }: { from: string }) {
  const wasted = useApi<WastedSpendSeries>('/cost/wasted', { from, step: stepFor(from) });
  return (
    <Async query={wasted} what="wasted spend">
      {(w) => {
        const times = [
          ...new Set([...w.failed.map((p) => p.bucketStartUs), ...w.idle.map((p) => p.bucketStartUs)]),
        ].sort((a, b) => a - b);
        const data = times.map((t) => ({
          t,
          failed: w.failed.filter((p) => p.bucketStartUs === t).reduce((s, p) => s + p.costUsd, 0),
          idle: w.idle.filter((p) => p.bucketStartUs === t).reduce((s, p) => s + p.idleCostUsd, 0),
        }));
        return data.length === 0 ? (
          <Empty>No failed requests or idle GPU time in this range.</Empty>
        ) : (
          <DualAxisChart
            data={data}
            series={[
              { key: 'idle', name: 'idle GPUs', axis: 'left', kind: 'bar', color: '#94a3b8' },
              { key: 'failed', name: 'failed / cancelled requests', axis: 'right', color: '#dc2626' },
            ]}
            left={{ label: 'idle $', format: usdTick }}
            right={{ label: 'failed $', format: usdTick }}
          />
        );
      }}
    </Async>
  );
}

export function CostPage() {
  const [from] = useUrlParam('from', '24h');
  const [by] = useUrlParam('by', 'team');
  const report = useApi<ChargebackReport>('/chargeback', { from, by, granularity: 'total' });
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const dims = by.split(',') as ChargebackDimension[];
  return (
    <>
      <div className="page-head">
        <h1>Cost</h1>
        <div className="filters">
          <RangePicker fallback="24h" />
          <SelectFilter name="by" label="Charge back by" options={BY} fallback="team" />
          <button
            type="button"
            data-testid="csv-download"
            onClick={() => {
              setDownloadError(null);
              apiDownload(
                '/chargeback',
                { from, by, granularity: 'day', format: 'csv' },
                'kubeburner-chargeback.csv',
              ).catch(setDownloadError);
            }}
          >
            Download CSV
          </button>
        </div>
      </div>
      {downloadError ? <ErrorState error={downloadError} /> : null}
      <Async query={report} what="chargeback">
        {(r) => {
          const usage = r.rows.filter((row) => row.kind === 'usage').sort((a, b) => b.costUsd - a.costUsd);
          const idle = r.rows.filter((row) => row.kind === 'idle' && row.costUsd >= 0.00005);
          return (
            <>
              <div className="stats">
                <Stat
                  label="Usage"
                  value={usd(r.totals.costUsd, 2)}
                  testId="cost-usage"
                  hint={`${num(r.totals.requests)} requests`}
                />
                <Stat
                  label="Idle GPUs"
                  value={usd(r.idleCostUsd, 2)}
                  testId="cost-idle"
                  tone={r.idleCostUsd > r.totals.costUsd ? 'warn' : undefined}
                  hint="allocated, billed, serving nobody"
                />
                <Stat
                  label="Per 1k tokens"
                  value={usd(r.totals.usdPer1kTokens, 4)}
                  hint={`${num(r.totals.promptTokens + r.totals.outputTokens)} tokens`}
                />
              </div>
              <Card title={`Chargeback by ${dims.join(' × ')}`}>
                {usage.length === 0 ? (
                  <Empty>No requests in this range.</Empty>
                ) : (
                  <table data-testid="chargeback">
                    <thead>
                      <tr>
                        {dims.map((d) => (
                          <th key={d}>{d}</th>
                        ))}
                        <th className="num">Requests</th>
                        <th className="num">Prompt tokens (cached)</th>
                        <th className="num">Output tokens</th>
                        <th className="num">Cost</th>
                        <th className="num">$/1k tokens</th>
                        <th className="num">Cache saved</th>
                      </tr>
                    </thead>
                    <tbody>
                      {usage.map((row) => (
                        <tr key={dims.map((d) => row.group[d]).join('|')} data-testid="chargeback-row">
                          {dims.map((d) => (
                            <td key={d}>{row.group[d] || '—'}</td>
                          ))}
                          <td className="num">{num(row.requests)}</td>
                          <td className="num">
                            {num(row.promptTokens)} ({num(row.cachedPromptTokens)})
                          </td>
                          <td className="num">{num(row.outputTokens)}</td>
                          <td className="num" data-testid="chargeback-cost">
                            {usd(row.costUsd, 4)}
                          </td>
                          <td className="num">{usd(row.usdPer1kTokens, 4)}</td>
                          <td className="num">{usd(row.cacheSavingsUsd, 4)}</td>
                        </tr>
                      ))}
                      {idle.map((row) => (
                        <tr
                          key={`idle-${dims.map((d) => row.group[d]).join('|')}-${row.nodePool}`}
                          className="idle-row"
                          data-testid="idle-row"
                        >
                          {dims.map((d, i) => (
                            <td key={d}>
                              {i === 0
                                ? `idle GPUs${row.nodePool ? ` (${row.nodePool})` : ''}`
                                : row.group[d]}
                            </td>
                          ))}
                          <td className="num" colSpan={3}>
                            GPU time with no request running
                          </td>
                          <td className="num">{usd(row.costUsd, 4)}</td>
                          <td colSpan={2} />
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </Card>
            </>
          );
        }}
      </Async>
      <Card title="Latency and cost together">
        <LatencyCost from={from} />
      </Card>
      <Card title="Wasted spend: idle GPUs and failed requests">
        <WastedSpend from={from} />
      </Card>
    </>
  );
}
