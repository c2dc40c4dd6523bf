import type { RequestSink } from '../../src/collect/request-joiner.ts';
import type { RequestRecord } from '../../src/normalize/merge-gateway.ts';

/** A sink that keeps what it is offered, and refuses everything while `full` (a full buffer). */
export class RecordSink implements RequestSink {
  stored: RequestRecord[] = [];
  full = false;
  offerRequests(records: readonly RequestRecord[]): boolean {
    if (this.full) return false;
    this.stored.push(...records);
    return true;
  }
}
