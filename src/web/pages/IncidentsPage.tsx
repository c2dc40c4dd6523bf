import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { apiPost, useApi } from '../api.ts';
import { Async, Empty, ErrorState } from '../components/states.tsx';
import { Card } from '../components/stat.tsx';
import { RangePicker, useUrlParam } from '../components/filters.tsx';
import { AlertEvidence, EvidenceTable } from '../components/evidence.tsx';
import { dateTime } from '../format.ts';
import type { Incident, RecommendationDetail, RecommendationRecord } from '../types.ts';

const WHO_KEY = 'kubeburner.who';

function Decision({ record }: { record: RecommendationRecord }) {
  const client = useQueryClient();
  const [who, setWho] = useState(localStorage.getItem(WHO_KEY) ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const id = record.recommendation.id;
  const decide = async (verb: 'apply' | 'rollback' | 'dismiss') => {
    setBusy(true);
    setError(null);
    try {
      localStorage.setItem(WHO_KEY, who);
      await apiPost(`/recommendations/${encodeURIComponent(id)}/${verb}`, { who });
      await client.invalidateQueries();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const can = {
    apply: record.state === 'proposed' || record.state === 'rolled_back',
    rollback: record.state === 'applied',
    dismiss: record.state === 'proposed',
  };
  return (
    <div className="decision" data-testid="decision">
      <label className="field">
        Decided by
        <input
          aria-label="who decides"
          value={who}
          onChange={(e) => setWho(e.target.value)}
          placeholder="your name"
        />
      </label>
      <button type="button" disabled={!can.apply || busy || !who.trim()} onClick={() => void decide('apply')}>
        Apply
      </button>
      <button
        type="button"
        disabled={!can.rollback || busy || !who.trim()}
        onClick={() => void decide('rollback')}
      >
        Roll back
      </button>
      <button
        type="button"
        className="secondary"
        disabled={!can.dismiss || busy || !who.trim()}
        onClick={() => void decide('dismiss')}
      >
        Dismiss
      </button>
      {error ? <ErrorState error={error} /> : null}
    </div>
  );
}

function RecommendationDetail({ id }: { id: string }) {
  const detail = useApi<RecommendationDetail>(`/recommendations/${encodeURIComponent(id)}`);
  return (
    <Async query={detail} what="the recommendation">
      {(r) => (
        <div className="recommendation" data-testid="recommendation">
          <h3>{r.recommendation.title}</h3>
          <p>
            <span className={`badge ${r.state === 'applied' ? 'ok' : r.state === 'proposed' ? 'warn' : ''}`}>
              {r.state}
            </span>{' '}
            for cause <b>{r.recommendation.cause}</b> · expected: {r.recommendation.expectedEffect}
          </p>
          <EvidenceTable evidence={r.recommendation.evidence} />
          {r.preview ? (
            <>
              <p className="note">Preview of {r.preview.file} (nothing changes until someone applies it):</p>
              <pre className="diff" data-testid="diff">
                {r.preview.diff.split('\n').map((line, i) => (
                  <span
                    key={i}
                    className={
                      line.startsWith('+') && !line.startsWith('+++')
                        ? 'add'
                        : line.startsWith('-') && !line.startsWith('---')
                          ? 'del'
                          : ''
                    }
                  >
                    {line}
                    {'\n'}
                  </span>
                ))}
              </pre>
            </>
          ) : null}
          <Decision record={r} />
          <ul className="timeline">
            {r.history.map((h) => (
              <li key={`${h.state}-${h.atUs}`}>
                {h.state} by {h.who} at {dateTime(h.atUs)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </Async>
  );
}

export function IncidentsPage() {
  const [from] = useUrlParam('from', '24h');
  const [rec, setRec] = useUrlParam('rec');
  const incidents = useApi<{ incidents: Incident[] }>('/incidents', { from });
  const recommendations = useApi<{ recommendations: RecommendationRecord[] }>('/recommendations');
  return (
    <>
      <div className="page-head">
        <h1>Incidents & recommendations</h1>
        <div className="filters">
          <RangePicker fallback="24h" />
        </div>
      </div>
      <div className="grid-2">
        <Card title="Incidents">
          <Async query={incidents} what="incidents">
            {({ incidents: list }) =>
              list.length === 0 ? (
                <Empty>No alert fired in this range.</Empty>
              ) : (
                <ul className="timeline" data-testid="incidents">
                  {list.map((i) => (
                    <li key={`${i.slo}/${i.alert}@${i.startedUs}`} data-testid="incident">
                      <div>
                        <span className={`badge ${i.resolvedUs ? 'ok' : 'bad'}`}>
                          {i.resolvedUs ? 'resolved' : 'open'}
                        </span>{' '}
                        <b>{i.slo}</b> / {i.alert} {i.severity ? `(${i.severity})` : ''} — fired{' '}
                        {dateTime(i.startedUs)}
                        {i.resolvedUs ? `, resolved ${dateTime(i.resolvedUs)}` : ''}
                      </div>
                      {i.report ? <AlertEvidence report={i.report} /> : null}
                    </li>
                  ))}
                </ul>
              )
            }
          </Async>
        </Card>
        <Card title="Recommendations (human in the loop)">
          <Async query={recommendations} what="recommendations">
            {({ recommendations: list }) =>
              list.length === 0 ? (
                <Empty>Nothing recommended yet: changes are proposed when an alert fires.</Empty>
              ) : (
                <>
                  <table data-testid="recommendations">
                    <thead>
                      <tr>
                        <th>Change</th>
                        <th>Workload</th>
                        <th>State</th>
                        <th>Proposed</th>
                      </tr>
                    </thead>
                    <tbody>
                      {list.map((r) => (
                        <tr
                          key={r.recommendation.id}
                          className={r.recommendation.id === rec ? 'highlight' : ''}
                        >
                          <td>
                            <button
                              type="button"
                              className="link"
                              onClick={() => setRec(r.recommendation.id)}
                            >
                              {r.recommendation.title}
                            </button>
                          </td>
                          <td>{r.recommendation.change.workload}</td>
                          <td>{r.state}</td>
                          <td>{dateTime(r.recommendation.createdAtUs)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {rec ? (
                    <RecommendationDetail key={rec} id={rec} />
                  ) : (
                    <p className="note">Pick a change to preview it and decide.</p>
                  )}
                </>
              )
            }
          </Async>
        </Card>
      </div>
    </>
  );
}
