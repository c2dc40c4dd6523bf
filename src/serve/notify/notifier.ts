import type { Digest } from '../../analyze/slo/digest.ts';
import type { AlertSink } from '../../analyze/slo/notification.ts';
import type { AlertNotification } from './alert-notification.ts';
import { alertmanagerPayload } from './alertmanager.ts';
import type { NotificationDispatcher } from './dispatcher.ts';
import { slackAlertMessage, slackDigestMessage } from './slack.ts';

/** Renders alerts and digests for each receiver's kind and hands them to the dispatcher. */
export class AlertNotifier implements AlertSink {
  constructor(
    private readonly dispatcher: NotificationDispatcher,
    private readonly externalUrl: string | null,
  ) {}

  /** To the named receivers, or to all of them when none are named. */
  alert(notification: AlertNotification, receiverNames: readonly string[]): void {
    const names = receiverNames.length > 0 ? receiverNames : this.dispatcher.receivers.map((r) => r.name);
    const what = `alert ${notification.slo}/${notification.alert} ${notification.status}`;
    for (const name of names) {
      const receiver = this.dispatcher.receiver(name);
      if (!receiver) continue;
      const body =
        receiver.kind === 'slack'
          ? slackAlertMessage(notification)
          : receiver.kind === 'alertmanager'
            ? alertmanagerPayload(notification, name, this.externalUrl ?? 'kubeburner')
            : { kind: 'kubeburner.slo_alert', ...notification };
      this.dispatcher.send(name, what, body);
    }
  }

  digest(digest: Digest, receiverName: string): void {
    const receiver = this.dispatcher.receiver(receiverName);
    if (!receiver) return;
    const body =
      receiver.kind === 'slack' ? slackDigestMessage(digest) : { kind: 'kubeburner.digest', ...digest };
    this.dispatcher.send(
      receiverName,
      `digest ${new Date(digest.toUs / 1000).toISOString().slice(0, 10)}`,
      body,
    );
  }
}
