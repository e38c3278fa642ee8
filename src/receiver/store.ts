import type { ForwardEvent } from '../core/model.js';

/** An event as the receiver stored it. */
export interface ReceivedEvent extends ForwardEvent {
  id: number;
  receivedAt: number;
  /** Content-Encoding the event arrived with, `identity` when none. */
  encoding: string;
}

/** What the store holds and what it let go. */
export interface StoreStats {
  stored: number;
  bytes: number;
  dropped: number;
  maxEvents: number;
  maxBytes: number;
}

/** One page of `GET /events`: pass `next` back as `?after=` for the following page. */
export interface EventPage {
  events: ReceivedEvent[];
  next: number | null;
}

/**
 * Received events, oldest first, bounded by count and by bytes: the oldest are dropped
 * (and counted) to make room. `events` is the live array; code outside may empty it.
 */
export function createStore(maxEvents: number, maxBytes: number) {
  const events: ReceivedEvent[] = [];
  const sizes = new WeakMap<ReceivedEvent, number>();
  let bytes = 0;
  let dropped = 0;
  let tracked = 0;

  // Tests empty `events` directly (`events.length = 0`); recount when that happened.
  function resync(): void {
    if (events.length === tracked) return;
    bytes = events.reduce((sum, event) => sum + (sizes.get(event) ?? 0), 0);
    tracked = events.length;
  }

  function add(event: ReceivedEvent, size: number): void {
    resync();
    events.push(event);
    sizes.set(event, size);
    bytes += size;
    while (events.length > maxEvents || (bytes > maxBytes && events.length > 1)) {
      const oldest = events.shift() as ReceivedEvent;
      bytes -= sizes.get(oldest) ?? 0;
      dropped++;
    }
    tracked = events.length;
  }

  function clear(): void {
    events.length = 0;
    resync();
  }

  /** Index of the first event whose id is greater than `after` (ids only grow). */
  function firstAfter(after: number): number {
    let low = 0;
    let high = events.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((events[mid] as ReceivedEvent).id <= after) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  function page(after: number, limit: number, uuid: string | null): EventPage {
    const found: ReceivedEvent[] = [];
    for (let i = firstAfter(after); i < events.length; i++) {
      const event = events[i] as ReceivedEvent;
      if (uuid !== null && event.uuid !== uuid) continue;
      if (found.length === limit) return { events: found, next: found[limit - 1]?.id ?? null };
      found.push(event);
    }
    return { events: found, next: null };
  }

  /** The oldest stored event with an id greater than `after`, if any. */
  function next(after: number): ReceivedEvent | undefined {
    resync();
    return events[firstAfter(after)];
  }

  function stats(): StoreStats {
    resync();
    return { stored: events.length, bytes, dropped, maxEvents, maxBytes };
  }

  return { events, add, clear, page, next, stats };
}
