import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertReport } from '../../analyze/slo/alert-evidence.ts';
import type { Digest } from '../../analyze/slo/digest.ts';
import type { AlertNotification } from './alert-notification.ts';
import { alertmanagerPayload } from './alertmanager.ts';
import { slackAlertMessage, slackDigestMessage } from './slack.ts';

const T = Date.UTC(2026, 10, 25, 9, 30) * 1000;

const report: AlertReport = {
  window: { fromUs: T - 3600e6, toUs: T },
  baseline: { fromUs: T - 7200e6, toUs: T - 3600e6 },
  bands: [{ band: '1001-8000', bad: 420, total: 1000, errorRatio: 0.42 }],
  replicas: [{ replica: 'vllm-0', band: 'all', bad: 300, total: 500, errorRatio: 0.6, shareOfBad: 0.714 }],
  phases: { queue: 0.8, prefill: 0.05, decode: 0.15 },
  rootCause: {
    cause: 'queue_saturation',
    score: 0.8,
    summary: 'queue saturation: queue time 12.0× (20 ms → 240 ms)',
    evidence: [{ metric: 'queue time', unit: 'ms', before: 20, after: 240, ratio: 12 }],
  },
  otherCauses: [],
  impact: {
    windowUs: 3600e6,
    badEventSpendUsd: 12.5,
    retrySpendUsd: 0.5,
    extraGpuSpendUsd: 0,
    totalUsd: 13,
    perHourUsd: 13,
  },
};

const firing: AlertNotification = {
  status: 'firing',
  slo: 'chat-ttft',
  alert: 'page-1h',
  severity: 'page',
  labels: { alertname: 'KubeBurnerSLOBurnRate', severity: 'page', slo: 'chat-ttft', window: 'page-1h' },
  annotations: { summary: 's', description: 'd' },
  startsAtUs: T,
  endsAtUs: null,
  burn: {
    longWindow: '1h',
    shortWindow: '5m',
    long: 0.2,
    short: 0.5,
    threshold: 0.144,
    longBurnRate: 20,
    alertBurnRate: 14.4,
  },
  report,
  url: 'https://kb.example/api/slo/chat-ttft',
};

describe('notification formats', () => {
  it('Alertmanager webhook payload (version 4) with evidence, root cause and impact as annotations', () => {
    const body = alertmanagerPayload(firing, 'oncall', 'https://kb.example');
    assert.equal(body.version, '4');
    assert.equal(body.status, 'firing');
    assert.equal(body.receiver, 'oncall');
    assert.equal(body.truncatedAlerts, 0);
    assert.equal(body.externalURL, 'https://kb.example');
    assert.deepEqual(body.groupLabels, { alertname: 'KubeBurnerSLOBurnRate', slo: 'chat-ttft' });
    const [alert] = body.alerts;
    assert.equal(alert?.startsAt, '2026-11-25T09:30:00.000Z');
    assert.equal(alert?.endsAt, '0001-01-01T00:00:00Z', 'zero time while firing');
    assert.match(alert?.fingerprint ?? '', /^[0-9a-f]{16}$/);
    assert.equal(alert?.annotations.root_cause, 'queue saturation: queue time 12.0× (20 ms → 240 ms)');
    assert.equal(alert?.annotations.dollar_impact_usd, '$13.00');
    assert.match(
      alert?.annotations.evidence ?? '',
      /worst band: prompts 1001-8000 tokens, 42\.0 % bad \(420 of 1000\)/,
    );
    const resolved = alertmanagerPayload(
      { ...firing, status: 'resolved', endsAtUs: T + 600e6, report: null },
      'oncall',
      'x',
    );
    assert.equal(resolved.alerts[0]?.endsAt, '2026-11-25T09:40:00.000Z');
    assert.equal(resolved.alerts[0]?.fingerprint, alert?.fingerprint, 'same alert, same fingerprint');
  });

  it('Slack alert: fallback text with the root cause, sections within Slack’s limit', () => {
    const message = slackAlertMessage({ ...firing, annotations: { description: 'x'.repeat(5000) } });
    assert.equal(
      message.text,
      'PAGE: SLO chat-ttft page-1h — queue saturation: queue time 12.0× (20 ms → 240 ms)',
    );
    for (const block of message.blocks) assert.ok((block.text?.text.length ?? 0) <= 3000);
    const all = message.blocks.map((b) => b.text?.text ?? '').join('\n');
    assert.match(all, /burning its error budget 20\.0× too fast \(page-1h fires at 14\.4×\)/);
    assert.match(all, /\$13\.00 in the last 60 min/);
    assert.match(all, /replicas: vllm-0 71\.4 % of bad/);
  });

  it('Slack digest lists every SLO and the spend by team', () => {
    const digest: Digest = {
      fromUs: T - 86_400e6,
      toUs: T,
      slos: [
        { slo: 'chat-ttft', objective: 0.99, sli: 0.9952, budgetRemaining: 0.52, firing: ['ticket-1d'] },
      ],
      spendByTeam: [
        { team: 'search', costUsd: 1234.5, requests: 100_000 },
        { team: 'support', costUsd: 0.25, requests: 12 },
      ],
      totalSpendUsd: 1234.75,
      idleUsd: 80,
      alertsFired: 2,
    };
    const message = slackDigestMessage(digest);
    assert.equal(message.text, 'KubeBurner daily digest 2026-11-24: $1,235 spent, 2 alerts fired');
    const all = message.blocks.map((b) => b.text?.text ?? '').join('\n');
    assert.match(
      all,
      /\*chat-ttft\* 99\.5 % good \(objective 99\.0 %\), budget left 52\.0 %, firing: ticket-1d/,
    );
    assert.match(all, /search: \$1,235 \(100,000 requests\)/);
    assert.match(all, /\$80\.00 idle GPU/);
  });
});
