import type { RequestFilter, Store, TimeRange } from '../../store/store.ts';

/**
 * What to compare: the short window against the long window's length before the long window (a
 * healthy baseline). When nothing was stored then, against the older part of the long window
 * if that is at least as long as the short one; otherwise (a fresh deployment) the later half of
 * the data against its earlier half.
 */
export async function pickComparisonWindows(
  store: Store,
  filter: RequestFilter,
  alert: { shortUs: number; longUs: number },
  atUs: number,
): Promise<{ window: TimeRange; baseline: TimeRange }> {
  const window = { fromUs: atUs - alert.shortUs, toUs: atUs };
  const before = { fromUs: atUs - 2 * alert.longUs, toUs: atUs - alert.longUs };
  const minutesWithArrivals = (range: TimeRange) =>
    store.aggregateRequests({
      ...filter,
      range,
      timeBy: 'arrival',
      groupBy: [],
      bucketUs: 60e6,
      measures: [{ fn: 'count' }],
    });
  if ((await minutesWithArrivals(before)).length > 0) return { window, baseline: before };
  const minutes = await minutesWithArrivals({ fromUs: atUs - alert.longUs, toUs: atUs });
  const first = minutes[0]?.bucketStartUs ?? window.fromUs;
  // A baseline shorter than the window says little about healthy: split what there is instead.
  if (window.fromUs - first >= alert.shortUs)
    return { window, baseline: { fromUs: first, toUs: window.fromUs } };
  const middle = Math.floor((first + atUs) / 2);
  return { window: { fromUs: middle, toUs: atUs }, baseline: { fromUs: first, toUs: middle } };
}
