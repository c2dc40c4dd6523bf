import {
  evidenceLines,
  impactLine,
  pct,
  rootCauseLine,
  usd,
  type AlertNotification,
} from './alert-notification.ts';
import type { Digest } from '../../analyze/slo/digest.ts';

/**
 * Slack incoming-webhook bodies: `text` is the notification fallback, `blocks` the message
 * (Block Kit section blocks with mrkdwn). Slack caps a section's text at 3,000 characters.
 */
export interface SlackMessage {
  text: string;
  blocks: {
    type: 'section' | 'context';
    text?: { type: 'mrkdwn'; text: string };
    elements?: { type: 'mrkdwn'; text: string }[];
  }[];
}

const SECTION_LIMIT = 3000;
const section = (text: string) => ({
  type: 'section' as const,
  text: {
    type: 'mrkdwn' as const,
    text: text.length > SECTION_LIMIT ? `${text.slice(0, SECTION_LIMIT - 1)}…` : text,
  },
});

export function slackAlertMessage(n: AlertNotification): SlackMessage {
  const icon =
    n.status === 'resolved' ? ':white_check_mark:' : n.severity === 'page' ? ':rotating_light:' : ':warning:';
  const head =
    n.status === 'resolved'
      ? `${icon} RESOLVED · SLO *${n.slo}* ${n.alert}`
      : `${icon} ${n.severity.toUpperCase()} · SLO *${n.slo}* is burning its error budget ${n.burn.longBurnRate.toFixed(1)}× too fast (${n.alert} fires at ${n.burn.alertBurnRate.toFixed(1)}×)`;
  const text =
    n.status === 'resolved'
      ? `RESOLVED: SLO ${n.slo} ${n.alert}`
      : `${n.severity.toUpperCase()}: SLO ${n.slo} ${n.alert} — ${rootCauseLine(n.report)}`;
  const blocks: SlackMessage['blocks'] = [section(head)];
  if (n.status === 'firing') {
    blocks.push(
      section(
        `error ratio ${pct(n.burn.long)} over ${n.burn.longWindow}, ${pct(n.burn.short)} over ${n.burn.shortWindow} ` +
          `(threshold ${pct(n.burn.threshold)})\n${n.annotations.description ?? ''}`,
      ),
    );
    if (n.report) {
      blocks.push(section(`*Root cause:* ${rootCauseLine(n.report)}`));
      const evidence = evidenceLines(n.report);
      if (evidence.length > 0)
        blocks.push(section(`*Evidence*\n${evidence.map((l) => `• ${l}`).join('\n')}`));
      blocks.push(section(`*Dollar impact:* ${impactLine(n.report)}`));
    }
  }
  const context = [`since ${new Date(n.startsAtUs / 1000).toISOString()}`];
  if (n.url) context.push(`<${n.url}|details>`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });
  return { text, blocks };
}

export function slackDigestMessage(d: Digest): SlackMessage {
  const day = new Date(d.fromUs / 1000).toISOString().slice(0, 10);
  const slos = d.slos.length
    ? d.slos
        .map(
          (s) =>
            `• *${s.slo}* ${s.sli === null ? 'no events' : `${pct(s.sli)} good`} (objective ${pct(s.objective)}), ` +
            `budget left ${pct(s.budgetRemaining)}${s.firing.length ? `, firing: ${s.firing.join(', ')}` : ''}`,
        )
        .join('\n')
    : 'no SLOs configured';
  const teams = d.spendByTeam
    .slice(0, 10)
    .map((t) => `• ${t.team}: ${usd(t.costUsd)} (${t.requests.toLocaleString('en-US')} requests)`)
    .join('\n');
  return {
    text: `KubeBurner daily digest ${day}: ${usd(d.totalSpendUsd)} spent, ${d.alertsFired} alerts fired`,
    blocks: [
      section(
        `:bar_chart: *KubeBurner daily digest* — 24 h to ${new Date(d.toUs / 1000).toISOString().slice(0, 16)}Z`,
      ),
      section(`*SLOs*\n${slos}`),
      section(
        `*Spend* ${usd(d.totalSpendUsd)} on requests + ${usd(d.idleUsd)} idle GPU\n${teams || 'no priced requests'}`,
      ),
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `${d.alertsFired} alerts fired in the period` }],
      },
    ],
  };
}
