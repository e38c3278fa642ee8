import { addBreadcrumb, breadcrumbsOf } from '../core/breadcrumbs.js';
import type { InternalContext } from '../core/model.js';
import { state } from '../core/state.js';
import { kInvalidRecording } from '../core/symbols.js';
import { exceptionEvent, type ForwardEvent, logEvent, statusOf } from './event.js';
import type { ResolvedForwarding } from './options.js';
import { logText } from './serialize.js';
import { forwardState } from './state.js';
import { Transport } from './transport.js';

type Recorded = InternalContext & { recordingId: string };

/** The transport for the current options, or undefined when forwarding is off. */
export function currentTransport(): Transport | undefined {
  return forwardState().transport;
}

/** Sets the forwarding options and replaces the transport; the old one drains in the background. */
export function configureForwarding(options: ResolvedForwarding): void {
  const forwarding = forwardState();
  const previous = forwarding.transport;
  forwarding.options = options;
  forwarding.transport =
    options.apiKey === undefined
      ? undefined
      : new Transport({ ...options, apiKey: options.apiKey });
  if (previous !== undefined) void previous.close(options.shutdownTimeoutMs);
}

/** Closes the transport after flushing; resolves whether everything was delivered. */
export async function closeTransport(timeoutMs: number): Promise<boolean> {
  const forwarding = forwardState();
  const closing = forwarding.transport;
  forwarding.transport = undefined;
  return closing === undefined ? true : closing.close(timeoutMs);
}

/** Counts why an event is not sent when the context has no usable recording id. */
function eligible(context: InternalContext | undefined): context is Recorded {
  if (context?.recordingId !== undefined) return true;
  if (context !== undefined && (context as { [kInvalidRecording]?: boolean })[kInvalidRecording]) {
    state.stats.dropped.invalidHeader++;
  } else {
    state.stats.dropped.noRecordingId++;
  }
  return false;
}

function apiKeyFree(event: ForwardEvent, apiKey: string): ForwardEvent {
  const scrub = (text: string) =>
    text.includes(apiKey) ? text.split(apiKey).join('[redacted]') : text;
  return {
    ...event,
    payload: scrub(event.payload),
    title: scrub(event.title),
    metadata: scrub(event.metadata),
  };
}

/**
 * Builds, screens and serialises an event at capture, then queues its text. Payloads are
 * cut to their caps here, so the queue holds bounded strings and no reference to the
 * application's objects: its memory is what `maxQueueBytes` says.
 */
function submit(built: ForwardEvent): boolean {
  const { transport: target, options } = forwardState();
  if (target === undefined) return false;
  let event: ForwardEvent | null = built;
  if (options.beforeSend !== undefined) {
    try {
      event = options.beforeSend(event);
    } catch {
      event = null;
    }
    if (event === null || typeof event !== 'object') {
      state.stats.dropped.beforeSend++;
      return false;
    }
  }
  return target.enqueue(JSON.stringify(apiKeyFree(event, options.apiKey!)));
}

/**
 * Whether `thrown` was already forwarded: the same object anywhere, or the same primitive
 * within the same request (two requests rejecting with `'ETIMEDOUT'` are two events).
 */
function seenBefore(thrown: unknown, context: InternalContext | undefined): boolean {
  const { forwarded, primitives } = forwardState();
  if (typeof thrown === 'object' && thrown !== null) {
    if (forwarded.has(thrown)) return true;
    forwarded.add(thrown);
    return false;
  }
  if (context === undefined) return false;
  let seen = primitives.get(context);
  if (seen?.has(thrown)) return true;
  if (seen === undefined) {
    seen = new Set();
    primitives.set(context, seen);
  }
  if (seen.size < 100) seen.add(thrown);
  return false;
}

function hasTransport(): boolean {
  if (forwardState().transport !== undefined) return true;
  state.stats.dropped.noApiKey++;
  return false;
}

/**
 * Whether errors are forwarded with the configuration in force (a key, and exceptions
 * on): set-up work that serves only forwarding (a module hook) is skipped otherwise.
 */
export function forwardsErrors(): boolean {
  const { options } = forwardState();
  return options.exceptions && options.apiKey !== undefined;
}

/**
 * Forwards a thrown value raised in `context`. `status` is the HTTP status the request
 * will end with, when the capture point knows it. Returns whether it was queued.
 */
export function forwardException(
  thrown: unknown,
  context: InternalContext | undefined,
  extra?: unknown,
  status?: number,
): boolean {
  try {
    const { options } = forwardState();
    if (!options.exceptions) return false;
    if (seenBefore(thrown, context)) return false;
    if (!eligible(context) || !hasTransport()) return false;
    // The story so far, as it was when the error was caught: later lines are not part of it.
    const breadcrumbs = breadcrumbsOf(context);
    const code = status ?? statusOf(thrown);
    return submit(exceptionEvent(context, thrown, extra, options, code, Date.now(), breadcrumbs));
  } catch {
    return false;
  }
}

/** Forwards a log message raised in `context`. Returns whether it was queued. */
export function forwardLog(
  message: string,
  level: string,
  details: { title?: string | undefined; metadata?: unknown },
  context: InternalContext | undefined,
): boolean {
  try {
    if (!eligible(context) || !hasTransport()) return false;
    const { options } = forwardState();
    return submit(logEvent(context, message, level, details, options, Date.now()));
  } catch {
    return false;
  }
}

/**
 * Forwards an error to the send API with the current request's context.
 *
 * @example
 * try { await charge(order); } catch (err) { captureException(err, { orderId: order.id }); throw err; }
 */
export function captureException(error: unknown, extra?: Record<string, unknown>): boolean {
  return forwardException(error, state.als.getStore(), extra);
}

/**
 * Sends a log event for the current request's recording. A plain object or array is sent
 * as JSON text (secret-looking keys redacted), which the player shows as a tree.
 *
 * @example
 * log('payment declined', { level: 'warn', metadata: { provider: 'stripe' } });
 * log({ cart: 3, total: 42.5 });
 */
export function log(
  message: string | Record<string, unknown> | readonly unknown[],
  options: {
    level?: 'debug' | 'info' | 'warn' | 'error';
    title?: string;
    metadata?: Record<string, unknown>;
  } = {},
): boolean {
  const text = typeof message === 'string' ? message : logText([message]);
  const context = state.als.getStore();
  const level = options.level ?? 'info';
  addBreadcrumb(context, level, text);
  return forwardLog(text, level, options, context);
}

/**
 * Resolves `true` once every event queued before the call has been delivered or
 * given up on, `false` if `timeoutMs` passed first.
 *
 * @example
 * await flush(1000); // before a serverless function returns
 */
export function flush(timeoutMs = 2000): Promise<boolean> {
  const { transport } = forwardState();
  return transport === undefined ? Promise.resolve(true) : transport.flush(timeoutMs);
}

/**
 * Waits until everything queued so far is delivered or given up on, for at most
 * `timeoutMs`, holding the process up meanwhile (a serverless function about to return:
 * nothing else may be running). Resolves at once when nothing is pending.
 */
export function drain(timeoutMs: number): Promise<boolean> {
  const { transport } = forwardState();
  if (transport === undefined || transport.pending === 0) return Promise.resolve(true);
  if (timeoutMs <= 0) return Promise.resolve(false);
  return transport.flush(timeoutMs, true);
}
