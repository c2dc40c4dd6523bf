import { useApi } from '../api.ts';
import { Async, Empty } from '../components/states.tsx';
import { Card, Meter, Stat } from '../components/stat.tsx';
import { RangePicker, SelectFilter, useUrlParam } from '../components/filters.tsx';
import { num, pct, usd } from '../format.ts';
import type { KvCacheReport } from '../types.ts';

const BY = [
  ['tenant', 'tenant'],
  ['team', 'team'],
  ['prompt_family', 'prompt family'],
  ['model', 'model'],
  ['replica', 'replica'],
] as const;

const seconds = (s: number | null | undefined) => (s === null || s === undefined ? '—' : `${s.toFixed(1)} s`);

export function KvCachePage() {
  const [from] = useUrlParam('from', '1h');
  const [by] = useUrlParam('by', 'tenant');
  const report = useApi<KvCacheReport>('/kv-cache', { from, by });
  return (
    <>
      <div className="page-head">
        <h1>KV cache</h1>
        <div className="filters">
          <RangePicker fallback="1h" />
          <SelectFilter name="by" label="by" options={BY} fallback="tenant" />
        </div>
      </div>
      <Async query={report} what="the KV cache report">
        {(r) => (
          <>
            <div className="stats">
              <Stat
                label="Prefix-cache hit rate"
                value={pct(r.totals.hitRate)}
                testId="kv-hit"
                hint={`${num(r.totals.cachedTokens)} of ${num(r.totals.promptTokens)} prompt tokens`}
              />
              <Stat
                label="Saved by the cache"
                value={usd(r.totals.savingsUsd, 2)}
                testId="kv-savings"
                hint={
                  r.totals.gpuHoursSaved !== null
                    ? `${r.totals.gpuHoursSaved.toFixed(2)} GPU-hours`
                    : undefined
                }
              />
            </div>
            <Card title={`Hit rate and savings by ${by.replace('_', ' ')}`}>
              {r.rows.length === 0 ? (
                <Empty>No requests in this range.</Empty>
              ) : (
                <table data-testid="kv-rows">
                  <thead>
                    <tr>
                      <th>{by.replace('_', ' ')}</th>
                      <th className="num">Requests</th>
                      <th className="num">Prompt tokens</th>
                      <th className="num">Cached</th>
                      <th>Hit rate</th>
                      <th className="num">Saved</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.rows.map((row) => (
                      <tr key={row.group}>
                        <td className={by === 'prompt_family' ? 'mono' : ''}>{row.group || '—'}</td>
                        <td className="num">{num(row.requests)}</td>
                        <td className="num">{num(row.promptTokens)}</td>
                        <td className="num">{num(row.cachedTokens)}</td>
                        <td>
                          <Meter value={row.hitRate} /> {pct(row.hitRate)}
                        </td>
                        <td className="num">{usd(row.savingsUsd, 4)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
            {r.replicas.length > 0 ? (
              <Card title="KV pressure per replica">
                <table data-testid="kv-replicas">
                  <thead>
                    <tr>
                      <th>Replica</th>
                      <th>Mean / peak KV usage</th>
                      <th className="num">Preemptions</th>
                      <th className="num">Block lifetime</th>
                      <th className="num">Idle before eviction</th>
                      <th className="num">Reuse gap</th>
                      <th>Eviction risk</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.replicas.map((row) => (
                      <tr key={row.replica}>
                        <td>{row.replica}</td>
                        <td>
                          <Meter
                            value={row.meanUsage}
                            tone={(row.peakUsage ?? 0) > 0.95 ? 'bad' : undefined}
                          />{' '}
                          {pct(row.meanUsage, 0)} / {pct(row.peakUsage, 0)}
                        </td>
                        <td className="num">{num(row.preemptions)}</td>
                        <td className="num">{seconds(row.residency?.lifetimeS)}</td>
                        <td className="num">{seconds(row.residency?.idleBeforeEvictS)}</td>
                        <td className="num">{seconds(row.residency?.reuseGapS)}</td>
                        <td>
                          <span
                            className={`badge ${row.evictionRisk === 'high' ? 'bad' : row.evictionRisk === 'watch' ? 'warn' : 'ok'}`}
                          >
                            {row.evictionRisk}
                          </span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Card>
            ) : null}
          </>
        )}
      </Async>
    </>
  );
}
