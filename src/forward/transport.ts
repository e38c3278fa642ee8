import { diagnose, warnOnce } from '../core/diagnostics.js';
import { state } from '../core/state.js';
import { printable } from '../core/text.js';
import type { ResolvedForwarding } from './options.js';
import { createSender, type Sender, type SendResult } from './send.js';

const DEFAULT_RETRY_AFTER_MS = 60_000;
const MAX_RETRY_AFTER_MS = 3_600_000;
const MAX_REPORTED = 100;

/** An event serialised at capture: its bytes are known, nothing of the app is kept alive. */
interface Item {
  readonly seq: number;
  readonly body: string;
  readonly bytes: number;
  /** Sent once already, and that attempt failed across a freeze of the process. */
  readonly again?: true;
}

// An IMF-fixdate, RFC 850 or asctime date: letters, digits, spaces, commas, colons, dashes.
const HTTP_DATE =
  /^[A-Za-z]{3,9}, ?[0-9A-Za-z ,:-]{10,40}$|^[A-Za-z]{3} [A-Za-z]{3} [0-9 :]{13,20}$/;

/**
 * Delay asked by a `Retry-After` value: whole or decimal seconds, or an HTTP date; 60 s
 * when absent or anything else; never more than an hour.
 */
export function retryAfterMs(value: string | undefined, now = Date.now()): number {
  if (value === undefined) return DEFAULT_RETRY_AFTER_MS;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d{1,20}(\.\d{1,9})?$/.test(trimmed)) ms = Math.ceil(Number(trimmed) * 1000);
  else if (HTTP_DATE.test(trimmed)) {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return DEFAULT_RETRY_AFTER_MS;
    ms = Math.max(0, date - now);
  } else return DEFAULT_RETRY_AFTER_MS;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
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
  private readonly inFlight = new Map<number, Item>();
  private bytes = 0;
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

  /** Queues a serialised event; returns whether it was accepted (else counted as dropped). */
  enqueue(body: string): boolean {
    const stats = state.stats;
    if (this.closed) {
      stats.dropped.closed++;
      return false;
    }
    if (Date.now() < this.rateLimitedUntil) {
      stats.dropped.rateLimited++;
      return false;
    }
    const bytes = Buffer.byteLength(body);
    if (
      this.queue.length + this.inFlight.size >= this.options.maxQueue ||
      this.bytes + bytes > this.options.maxQueueBytes
    ) {
      stats.dropped.queueFull++;
      warnOnce(
        'queueFull',
        `events dropped: ${this.options.maxQueue} already waiting for the send API ` +
          '(raise maxQueue, or check that the endpoint answers quickly)',
      );
      return false;
    }
    this.bytes += bytes;
    this.queue.push({ seq: this.seq++, body, bytes });
    stats.queued++;
    this.schedulePump();
    return true;
  }

  /**
   * Bodies not yet delivered — in flight first, then queued — for a last synchronous
   * delivery when the process is about to die. The transport is closed afterwards.
   */
  takePending(): string[] {
    const bodies = [...this.inFlight.values(), ...this.queue].map((item) => item.body);
    this.closed = true;
    this.inFlight.clear();
    this.queue.length = 0;
    this.bytes = 0;
    this.settleWaiters();
    return bodies;
  }

  /** Events queued or in flight. */
  get pending(): number {
    return this.queue.length + this.inFlight.size;
  }

  /** Bytes of the events queued or in flight. */
  get pendingBytes(): number {
    return this.bytes;
  }

  /**
   * Gives up on everything queued or in flight: counted as `dropped.closed`, requests
   * aborted, later events refused. Settling waiters at once.
   */
  abandon(): void {
    this.closed = true;
    state.stats.dropped.closed += this.pending;
    this.queue.length = 0;
    this.inFlight.clear();
    this.bytes = 0;
    this.settleWaiters();
    void this.sender.destroy();
  }

  get isRateLimited(): boolean {
    return Date.now() < this.rateLimitedUntil;
  }

  /**
   * Resolves `true` once everything queued before the call is settled, `false` on timeout.
   * With `keepAlive` the wait holds the process open (bounded by `timeoutMs`).
   */
  flush(timeoutMs: number, keepAlive = false): Promise<boolean> {
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
          if (!keepAlive) timer.unref();
          this.waiters.add(waiter);
        }),
    );
  }

  /**
   * Flushes for at most `timeoutMs`, then gives up on what is left (counted as
   * `dropped.closed`) and releases the sockets. Later events are dropped.
   */
  async close(timeoutMs: number): Promise<boolean> {
    // An awaited close() is the application's own bounded work: it keeps the process up.
    const flushed = await this.flush(timeoutMs, true);
    this.abandon();
    return flushed;
  }

  private settledBelow(target: number): boolean {
    const head = this.queue[0];
    if (head !== undefined && head.seq < target) return false;
    for (const seq of this.inFlight.keys()) if (seq < target) return false;
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
        this.bytes -= item.bytes;
        state.stats.dropped.rateLimited++;
        continue;
      }
      this.inFlight.set(item.seq, item);
      void this.sender.send(item.body).then((result) => this.settle(item, result));
    }
    this.settleWaiters();
  }

  private settle(item: Item, result: SendResult): void {
    // Given up on by close(), exit or a crash: already counted.
    if (!this.inFlight.delete(item.seq)) return;
    if (result.status === 0 && result.frozenMs !== undefined && item.again === undefined) {
      // The endpoint is not to blame for time the process spent frozen: send it again, once.
      this.report(
        `the process was frozen for ${Math.round(result.frozenMs / 1000)} s while an event was ` +
          'being sent (Lambda freezes a function between invocations); sending it again',
      );
      this.queue.unshift({ ...item, again: true });
      this.schedulePump();
      return;
    }
    this.bytes -= item.bytes;
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
