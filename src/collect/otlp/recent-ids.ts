/**
 * The request ids accepted lately, oldest forgotten first: an OTLP exporter that timed out waiting
 * for our answer resends the same batch, and the same request must not be stored (and billed)
 * twice. A window of ids, not the store: resends come within seconds, and a lookup per export
 * would tax every one.
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 200_000) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    // A Set iterates in insertion order: the first is the oldest.
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
  }
}
