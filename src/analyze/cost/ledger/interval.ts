/**
 * One replica's scrape interval, settled: what its GPUs cost while held, split exactly into the
 * requests' shares, under-filled batch capacity, idle time and what nobody can be named for.
 *
 *   bill = Σ request shares + under-filled + idle + unattributed
 *
 * Occupancy is integrated from the requests' own busy spans (prefill start to last token), not
 * from the running gauge's samples: a gauge read every 15 s is rarely 0 at the moment of a scrape
 * even on a replica idle most of the time.
 */

/** The stretch of a request during which it held a batch slot (prefill and decode). */
export interface BusySpan {
  requestId: string;
  startUs: number;
  endUs: number;
}

export interface IntervalInput {
  fromUs: number;
  toUs: number;
  /** The replica's GPUs × their price: what holding it for an hour costs. */
  usdPerHour: number;
  gpuCount: number;
  /**
   * Sequences the replica runs at once when its batch is full (llama.cpp's slots, a configured
   * maximum batch); null when unknown, and then nothing is called under-filled.
   */
  capacity: number | null;
  /** The engine's running gauge at the two scrapes that bound the interval. */
  runningAtStart: number;
  runningAtEnd: number;
  /** Requests busy on the replica at some time in the interval (clipped here). */
  spans: readonly BusySpan[];
}

export interface LedgerParts<T> {
  bill: T;
  usage: T;
  underfilled: T;
  idle: T;
  unattributed: T;
}

export interface SettledInterval {
  /** Empty time was called unattributed (the engine ran requests none of which is known). */
  unseen: boolean;
  usd: LedgerParts<number>;
  gpuSeconds: LedgerParts<number>;
  /** Each request's share of `usage` (USD), by request id. */
  shares: Map<string, number>;
}

interface Segment {
  startUs: number;
  endUs: number;
  active: string[];
}

/** The interval cut where any span starts or ends, each piece with the requests busy in it. */
function segments(input: IntervalInput): Segment[] {
  const events: { atUs: number; id: string; starts: boolean }[] = [];
  for (const s of input.spans) {
    const [startUs, endUs] = [Math.max(s.startUs, input.fromUs), Math.min(s.endUs, input.toUs)];
    if (endUs <= startUs) continue;
    events.push(
      { atUs: startUs, id: s.requestId, starts: true },
      { atUs: endUs, id: s.requestId, starts: false },
    );
  }
  events.sort((a, b) => a.atUs - b.atUs);
  const out: Segment[] = [];
  const active = new Map<string, number>(); // a request id may (wrongly) appear twice: count it once per span
  let at = input.fromUs;
  for (let i = 0; i <= events.length; i++) {
    const next = events[i]?.atUs ?? input.toUs;
    if (next > at) out.push({ startUs: at, endUs: next, active: [...active.keys()] });
    at = Math.max(at, next);
    const event = events[i];
    if (!event) break;
    const count = (active.get(event.id) ?? 0) + (event.starts ? 1 : -1);
    if (count > 0) active.set(event.id, count);
    else active.delete(event.id);
  }
  return out;
}

/** The engine ran requests at both ends of an interval in which none is known. */
const unseenWork = (input: IntervalInput) =>
  input.spans.length === 0 && input.runningAtStart > 0 && input.runningAtEnd > 0;

const zeroParts = (): LedgerParts<number> => ({
  bill: 0,
  usage: 0,
  underfilled: 0,
  idle: 0,
  unattributed: 0,
});

/**
 * The slots n busy requests share a stretch of the replica among: its full batch when known; else
 * at least as many as the engine reported running at the interval's ends (requests we do not
 * know of shared the GPU too).
 */
function slotsOf(input: IntervalInput, n: number): number {
  return Math.max(n, input.capacity ?? Math.max(input.runningAtStart, input.runningAtEnd));
}

/**
 * Settles one interval. In a stretch with n requests busy, each takes 1 ÷ slots of the replica
 * (slotsOf: a slot's worth when the batch has room); the rest of a part-full batch is under-filled
 * (with the capacity unknown: unattributed, the engine's other requests). With none busy the
 * replica is idle — unless the engine reported requests running at both ends of an interval in
 * which no request is known at all: that time is unattributed (work we never saw: requests that
 * bypass the gateway and send no traces).
 */
export function settleInterval(input: IntervalInput): SettledInterval {
  const seconds = zeroParts();
  const shareSeconds = new Map<string, number>();
  const unseen = unseenWork(input);
  for (const segment of segments(input)) {
    const dt = (segment.endUs - segment.startUs) / 1e6;
    const n = segment.active.length;
    if (n === 0) {
      if (unseen) seconds.unattributed += dt;
      else seconds.idle += dt;
      continue;
    }
    const slots = slotsOf(input, n);
    for (const id of segment.active) shareSeconds.set(id, (shareSeconds.get(id) ?? 0) + dt / slots);
    seconds.usage += (dt * n) / slots;
    // Without a known capacity, what the engine ran beyond the known requests is theirs to nobody.
    if (input.capacity === null) seconds.unattributed += dt * (1 - n / slots);
    else seconds.underfilled += dt * (1 - n / slots);
  }
  seconds.bill = (input.toUs - input.fromUs) / 1e6;
  const usdPerSecond = input.usdPerHour / 3600;
  const scale = (parts: LedgerParts<number>, k: number): LedgerParts<number> => ({
    bill: parts.bill * k,
    usage: parts.usage * k,
    underfilled: parts.underfilled * k,
    idle: parts.idle * k,
    unattributed: parts.unattributed * k,
  });
  const shares = new Map([...shareSeconds].map(([id, s]) => [id, s * usdPerSecond]));
  return { unseen, usd: scale(seconds, usdPerSecond), gpuSeconds: scale(seconds, input.gpuCount), shares };
}

/**
 * A request that comes after its interval was settled: the share it can take without changing
 * what anyone was charged — a slot the batch had spare (under-filled, or with the capacity unknown
 * the engine's unnamed requests), or a slot of an idle stretch — and how the interval's parts move
 * to make room for it (spare or idle time becomes usage; the bill stays). Where the batch was
 * full it takes nothing.
 */
export function lateShare(
  input: IntervalInput,
  span: BusySpan,
  /** Whether settling called the interval's empty time unattributed (settled.unseen). */
  unseen: boolean,
): { usd: number; delta: LedgerParts<number>; gpuSecondsDelta: LedgerParts<number> } {
  const delta = zeroParts();
  const late = { ...span, requestId: `${span.requestId}\u0000late` };
  for (const segment of segments({ ...input, spans: [...input.spans, late] })) {
    if (!segment.active.includes(late.requestId)) continue;
    const dt = (segment.endUs - segment.startUs) / 1e6;
    const others = segment.active.length - 1;
    const slots = slotsOf(input, others);
    const spare = input.capacity === null ? 'unattributed' : 'underfilled';
    if (others === 0) {
      // It alone was busy: the stretch was idle (or unattributed), now one slot's use.
      const alone = Math.max(1, slots);
      delta.usage += dt / alone;
      delta[spare] += dt * (1 - 1 / alone);
      if (unseen) delta.unattributed -= dt;
      else delta.idle -= dt;
    } else if (others < slots) {
      delta.usage += dt / slots;
      delta[spare] -= dt / slots;
    }
  }
  const usdPerSecond = input.usdPerHour / 3600;
  const scale = (k: number) => ({
    bill: 0,
    usage: delta.usage * k,
    underfilled: delta.underfilled * k,
    idle: delta.idle * k,
    unattributed: delta.unattributed * k,
  });
  return {
    usd: delta.usage * usdPerSecond,
    delta: scale(usdPerSecond),
    gpuSecondsDelta: scale(input.gpuCount),
  };
}
