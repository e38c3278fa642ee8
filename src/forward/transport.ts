import { diagnose, warnOnce } from '../core/diagnostics.js';
import { state } from '../core/state.js';
import { printable } from '../core/text.js';
import type { ResolvedForwarding } from './options.js';
import { createSender, type Sender, type SendResult } from './send.js';

const DEFAULT_RETRY_AFTER_MS = 60_000;
const MAX_REPORTED = 100;

/** Builds the serialised event when it is about to be sent; `null` drops it (already counted). */
export type BuildBody = () => string | null;

interface Item {
  seq: number;
  build: BuildBody;
}

function bodyOf(item: Item): string | null {
  try {
    return item.build();
  } catch {
    return null;
  }
}

/** Delay asked by a `Retry-After` value: seconds or an HTTP date; 60 s when absent or garbage. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number {
  if (value === undefined) return DEFAULT_RETRY_AFTER_MS;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - now);
}

/** Remote text made safe for a diagnostic line: no control characters, no key, bounded. */
function clean(text: string, apiKey: string): string {
  return printable(text.split(apiKey).join('[redacted]'));
}

function rejectionMessage(result: SendResult): string | undefined {
  if (result.body === undefined) return undefined;
  try {
    const parsed = JSON.parse(result.body) as {
      success?: unknown;
      error?: Array<{ message?: unknown }>;
    };
    if (parsed.success !== 'false' && parsed.success !== false) return undefined;
    const message = parsed.error?.[0]?.message;
    return typeof message === 'string' ? message : 'success: "false"';
  } catch {
    return undefined;
  }
}

/**
 * The core of the transport: a bounded queue, at most `concurrency` requests in
 * flight, rate-limit state and counters. It owns no sockets; `Sender` does.
 * Everything it schedules runs outside any request context.
 */
export class Transport {
  private readonly queue: Item[] = [];
  private readonly inFlight = new Set<number>();
  private readonly waiters = new Set<{ target: number; done: (ok: boolean) => void }>();
  private readonly reported = new Set<string>();
  private readonly sender: Sender;
  private seq = 0;
  private rateLimitedUntil = 0;
  private pumpScheduled = false;
  private closed = false;

  constructor(
    private readonly options: ResolvedForwarding & { apiKey: string },
    sender?: Sender,
  ) {
    this.sender = sender ?? createSender(options);
  }

  /** Queues an event (built later, when sent); returns whether it was accepted. */
  enqueue(build: BuildBody): boolean {
    const stats = state.stats;
    if (this.closed) {
      stats.dropped.closed++;
      return false;
    }
    if (Date.now() < this.rateLimitedUntil) {
      stats.dropped.rateLimited++;
      return false;
    }
    if (this.queue.length + this.inFlight.size >= this.options.maxQueue) {
      stats.dropped.queueFull++;
      warnOnce(
        'queueFull',
        `events dropped: ${this.options.maxQueue} already waiting for the send API ` +
          '(raise maxQueue, or check that the endpoint answers quickly)',
      );
      return false;
    }
    this.queue.push({ seq: this.seq++, build });
    stats.queued++;
    this.schedulePump();
    return true;
  }

  /** Bodies not yet handed to the network, for a last synchronous delivery. */
  takePending(): string[] {
    const bodies = this.queue.map(bodyOf).filter((body): body is string => body !== null);
    this.queue.length = 0;
    this.settleWaiters();
    return bodies;
  }

  get isRateLimited(): boolean {
    return Date.now() < this.rateLimitedUntil;
  }

  /** Resolves `true` once everything queued before the call is settled, `false` on timeout. */
  flush(timeoutMs: number): Promise<boolean> {
    const target = this.seq;
    if (this.settledBelow(target)) return Promise.resolve(true);
    return state.als.exit(
      () =>
        new Promise<boolean>((resolve) => {
          const waiter = {
            target,
            done: (ok: boolean) => {
              clearTimeout(timer);
              this.waiters.delete(waiter);
              resolve(ok);
            },
          };
          const timer = setTimeout(() => waiter.done(false), timeoutMs);
          timer.unref();
          this.waiters.add(waiter);
        }),
    );
  }

  /** Flushes, then releases the sockets. Later events are dropped. */
  async close(timeoutMs: number): Promise<boolean> {
    const flushed = await this.flush(timeoutMs);
    this.closed = true;
    this.queue.length = 0;
    await this.sender.destroy();
    return flushed;
  }

  private settledBelow(target: number): boolean {
    const head = this.queue[0];
    if (head !== undefined && head.seq < target) return false;
    for (const seq of this.inFlight) if (seq < target) return false;
    return true;
  }

  private settleWaiters(): void {
    for (const waiter of this.waiters) if (this.settledBelow(waiter.target)) waiter.done(true);
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // Outside the request context: the library's own work never carries a request's ids.
    state.als.exit(() =>
      setImmediate(() => {
        this.pumpScheduled = false;
        this.pump();
      }),
    );
  }

  private pump(): void {
    while (this.inFlight.size < this.options.concurrency && this.queue.length > 0) {
      const item = this.queue.shift()!;
      if (this.isRateLimited) {
        state.stats.dropped.rateLimited++;
        continue;
      }
      const body = bodyOf(item);
      if (body === null) continue;
      if (this.inFlight.size === 0) this.sender.hold(true);
      this.inFlight.add(item.seq);
      void this.sender.send(body).then((result) => this.settle(item, result));
    }
    this.settleWaiters();
  }

  private settle(item: Item, result: SendResult): void {
    this.inFlight.delete(item.seq);
    if (this.inFlight.size === 0 && this.queue.length === 0) this.sender.hold(false);
    try {
      this.record(result);
    } finally {
      this.settleWaiters();
      if (this.queue.length > 0) this.pump();
    }
  }

  private record(result: SendResult): void {
    const stats = state.stats;
    if (result.status >= 200 && result.status < 300) {
      const rejected = rejectionMessage(result);
      if (rejected === undefined) {
        stats.sent++;
        return;
      }
      this.fail('rejected', `send API refused the event: ${rejected}`, true);
      return;
    }
    if (result.status === 429) {
      const pause = retryAfterMs(result.retryAfter);
      this.rateLimitedUntil = Date.now() + pause;
      stats.dropped.rateLimited++;
      this.report(`rate limited (429); sending paused for ${Math.round(pause / 1000)} s`);
      return;
    }
    if (result.status === 0) {
      warnOnce(
        'endpointUnreachable',
        `cannot reach the send API at ${new URL(this.options.endpoint).host} ` +
          `(${result.failure ?? 'network'}); events are dropped until it answers — check ` +
          'the endpoint option / REPLAYLINK_ENDPOINT and the network',
      );
      this.fail(
        result.failure ?? 'network',
        `send API unreachable (${result.failure ?? 'network'}); event dropped`,
      );
      return;
    }
    if (result.status >= 500) {
      this.fail('server', `send API answered ${result.status}; event dropped`);
      return;
    }
    const detail = rejectionMessage(result) ?? result.body ?? '';
    this.fail('rejected', `send API answered ${result.status}: ${detail}`, true);
  }

  private fail(
    kind: 'network' | 'timeout' | 'server' | 'rejected',
    message: string,
    important = false,
  ): void {
    state.stats.failed++;
    state.stats.failures[kind]++;
    this.report(message, important);
  }

  /**
   * Reports each distinct message once, through diagnostics only. Refusals (bad key,
   * validation) are shown even without `debug`: events are being lost to a misconfiguration.
   */
  private report(message: string, important = false): void {
    const text = clean(message, this.options.apiKey);
    if (this.reported.has(text) || this.reported.size >= MAX_REPORTED) return;
    this.reported.add(text);
    diagnose(text, important);
  }
}
