import type { OpsEvent } from '../../model/ops-event.ts';
import type { Store, TimeRange } from '../../store/store.ts';
import type { FileTarget } from './file-target.ts';
import type { Recommendation } from './recommendation.ts';

export type RecommendationState = 'proposed' | 'applied' | 'rolled_back' | 'dismissed';

export interface RecommendationRecord {
  recommendation: Recommendation;
  state: RecommendationState;
  /** Every decision, oldest first: the audit trail. */
  history: { state: RecommendationState; who: string; atUs: number }[];
}

const LOOKBACK_US = 90 * 86_400e6;

/** Asked for an id that was never proposed (the API answers 404). */
export class UnknownRecommendation extends RangeError {}

/** Every decision names its person, checked before anything is touched. */
function requireWho(who: string): void {
  if (!who.trim()) throw new RangeError('say who decides (--as / "who")');
}

/**
 * Recommendations and the decisions on them, kept as events (kind `recommendation`, subject the
 * id): proposed by the analysis, then applied, rolled back or dismissed only by a named person.
 * Applying writes the previewed change to the target; rolling back restores what was there,
 * refusing either when the file changed in between. Nothing is applied automatically.
 */
export class RecommendationBook {
  constructor(
    private readonly store: Store,
    /** The manifests its changes are previewed against and applied to. */
    readonly target: FileTarget,
    private readonly nowUs: () => number = () => Date.now() * 1000,
  ) {}

  private async events(range?: TimeRange, id?: string): Promise<OpsEvent[]> {
    const now = this.nowUs();
    return this.store.listEvents({
      // Decisions within one clock tick are stamped a µs apart (decide), so they can sit just past now.
      range: range ?? { fromUs: now - LOOKBACK_US, toUs: now + 60e6 },
      kinds: ['recommendation'],
      ...(id ? { subjects: [id] } : {}),
      limit: 100_000,
    });
  }

  private static records(events: readonly OpsEvent[]): RecommendationRecord[] {
    const byId = new Map<string, RecommendationRecord>();
    for (const event of [...events].sort((a, b) => a.timeUs - b.timeUs)) {
      const state = event.state as RecommendationState;
      let record = byId.get(event.subject);
      if (!record) {
        record = { recommendation: event.body.recommendation as Recommendation, state, history: [] };
        byId.set(event.subject, record);
      }
      record.state = state;
      record.history.push({ state, who: String(event.body.who ?? ''), atUs: event.timeUs });
    }
    return [...byId.values()];
  }

  async list(range?: TimeRange): Promise<RecommendationRecord[]> {
    return RecommendationBook.records(await this.events(range));
  }

  async get(id: string): Promise<RecommendationRecord> {
    const [record] = RecommendationBook.records(await this.events(undefined, id));
    if (!record) throw new UnknownRecommendation(`no recommendation ${id}`);
    return record;
  }

  /**
   * Records new proposals. One already known is left as it is, and so is one whose exact change
   * already waits for a decision (several alerts over one incident propose the same scale-up).
   * Returns the fresh ones, and each given proposal as it stands recorded: itself, or the waiting
   * one with the same change (without repeats).
   */
  async proposeAll(
    recommendations: readonly Recommendation[],
  ): Promise<{ fresh: Recommendation[]; recorded: Recommendation[] }> {
    const records = await this.list();
    const byId = new Map(records.map((r) => [r.recommendation.id, r.recommendation]));
    const waiting = new Map(
      records
        .filter((r) => r.state === 'proposed')
        .map((r) => [JSON.stringify(r.recommendation.change), r.recommendation]),
    );
    const fresh: Recommendation[] = [];
    const recorded = new Map<string, Recommendation>();
    for (const r of recommendations) {
      const change = JSON.stringify(r.change);
      const standing = byId.get(r.id) ?? waiting.get(change);
      if (standing) {
        recorded.set(standing.id, standing);
        continue;
      }
      fresh.push(r);
      waiting.set(change, r);
      byId.set(r.id, r);
      recorded.set(r.id, r);
    }
    await this.store.writeEvents(
      fresh.map((r) => ({
        timeUs: this.nowUs(),
        kind: 'recommendation' as const,
        subject: r.id,
        state: 'proposed',
        body: { recommendation: r, who: 'kubeburner' },
      })),
    );
    return { fresh, recorded: [...recorded.values()] };
  }

  /** Records new proposals (see proposeAll) and returns the fresh ones. */
  async propose(recommendations: readonly Recommendation[]): Promise<Recommendation[]> {
    return (await this.proposeAll(recommendations)).fresh;
  }

  async preview(id: string) {
    return this.target.preview((await this.get(id)).recommendation.change);
  }

  async apply(id: string, who: string): Promise<RecommendationRecord> {
    requireWho(who);
    const record = await this.get(id);
    if (record.state !== 'proposed' && record.state !== 'rolled_back')
      throw new RangeError(
        `${id} is ${record.state.replace('_', ' ')}; only a proposed or rolled-back change can be applied`,
      );
    const { before, after, file } = this.target.preview(record.recommendation.change);
    this.target.replace(record.recommendation.change.workload, before, after);
    await this.decide(record, 'applied', who, { file, before, after });
    return this.get(id);
  }

  async rollback(id: string, who: string): Promise<RecommendationRecord> {
    requireWho(who);
    const record = await this.get(id);
    if (record.state !== 'applied')
      throw new RangeError(`${id} is ${record.state.replace('_', ' ')}, not applied`);
    const applied = (await this.events(undefined, id)).find((e) => e.state === 'applied');
    const { before, after } = applied?.body as { before: string; after: string };
    this.target.replace(record.recommendation.change.workload, after, before);
    await this.decide(record, 'rolled_back', who, {});
    return this.get(id);
  }

  async dismiss(id: string, who: string): Promise<RecommendationRecord> {
    requireWho(who);
    const record = await this.get(id);
    if (record.state !== 'proposed')
      throw new RangeError(`${id} is ${record.state.replace('_', ' ')}; only a proposal can be dismissed`);
    await this.decide(record, 'dismissed', who, {});
    return this.get(id);
  }

  private async decide(
    record: RecommendationRecord,
    state: RecommendationState,
    who: string,
    extra: Record<string, unknown>,
  ): Promise<void> {
    // The newest event of an id must sort last even within one clock tick.
    const last = record.history.at(-1)?.atUs ?? 0;
    await this.store.writeEvents([
      {
        timeUs: Math.max(this.nowUs(), last + 1),
        kind: 'recommendation',
        subject: record.recommendation.id,
        state,
        body: { recommendation: record.recommendation, who, ...extra },
      },
    ]);
  }
}
