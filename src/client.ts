import { getContext } from './core/context.js';
import { installEmitterBinding } from './core/emitters.js';
import type { RequestContext } from './core/model.js';
import { state } from './core/state.js';
import { type Stats, snapshotStats } from './core/stats.js';
import { installConsoleForwarding } from './forward/console-forward.js';
import { installExitDrain } from './forward/exit-drain.js';
import {
  captureException,
  closeTransport,
  configureForwarding,
  flush,
  log,
} from './forward/forward.js';
import { installProcessHandlers } from './forward/process-handlers.js';
import { forwardState } from './forward/state.js';
import { type ReplayLinkOptions, resolveOptions } from './options.js';
import { installOpenTelemetry, loadOpenTelemetry } from './propagate/opentelemetry.js';
import { propagateState } from './propagate/options.js';
import { installPropagation } from './propagate/propagate.js';
import { startLiveSessions, stopLiveSessions } from './sessions/lifecycle.js';
import { installStamping } from './stamp/stamp.js';

/** The handle returned by {@link init}. */
export interface ReplayLinkClient {
  /** The current request's context, or `undefined` outside any request. */
  getContext(): RequestContext | undefined;
  /** Forwards an error with the current request's context; returns whether it was queued. */
  captureException: typeof captureException;
  /** Sends a log event for the current request's recording; returns whether it was queued. */
  log: typeof log;
  /** Resolves `true` once everything queued before the call is settled. */
  flush: typeof flush;
  /** A copy of the library's counters. */
  stats(): Stats;
  /** Flushes (bounded by `timeoutMs`), releases sockets and restores everything `init` patched. */
  close(timeoutMs?: number): Promise<boolean>;
}

const client: ReplayLinkClient = {
  getContext,
  captureException,
  log,
  flush,
  stats: () => snapshotStats(state.stats),
  close,
};

/** Installs an optional global hook once; `close()` removes it like the other patches. */
function installOnce(name: string, install: () => () => void): void {
  if (state.features.has(name)) return;
  const undo = install();
  state.features.add(name);
  state.patches.push(() => {
    state.features.delete(name);
    undo();
  });
}

/** Hooks the options ask for. Each reads the current options when it runs. */
function installFeatures(): void {
  const { apiKey, logs } = forwardState().options;
  // Only when console output can be forwarded: otherwise console calls keep one layer less.
  if (apiKey !== undefined && logs !== false)
    installOnce('consoleForwarding', installConsoleForwarding);
  const { propagate, openTelemetry } = propagateState();
  if (propagate !== undefined) installOnce('propagate', installPropagation);
  if (openTelemetry) installOnce('openTelemetry', installOpenTelemetry);
}

function install(): void {
  if (state.initialized) return;
  state.initialized = true;
  configureForwarding(forwardState().options);
  state.patches.push(
    installEmitterBinding(),
    installStamping(),
    installProcessHandlers(),
    installExitDrain(),
  );
  installFeatures();
}

/**
 * Configures replaylink and installs its patches (once). Calling it again replaces
 * the configuration without patching twice.
 *
 * @example
 * import { init } from 'replaylink';
 * init({ apiKey: process.env.BUGREPLAY_API_KEY, origin: 'orders-api' });
 */
export function init(options?: ReplayLinkOptions): ReplayLinkClient {
  const resolved = resolveOptions(options);
  // A missing optional peer is a set-up error, raised before anything changes.
  if (resolved.openTelemetry) loadOpenTelemetry();
  state.options = resolved.core;
  const propagation = propagateState();
  propagation.propagate = resolved.propagate;
  propagation.openTelemetry = resolved.openTelemetry;
  if (state.initialized) configureForwarding(resolved.forwarding);
  else {
    forwardState().options = resolved.forwarding;
    install();
  }
  installFeatures();
  startLiveSessions(resolved.liveSessions);
  return client;
}

/** Initialises with defaults unless `init` already ran. Used by adapters. */
export function ensureInit(): ReplayLinkClient {
  install();
  return client;
}

/**
 * A copy of the library's counters; see {@link Stats}.
 *
 * @example
 * const { sent, failed, dropped } = stats();
 * metrics.gauge('replaylink.dropped.queue_full', dropped.queueFull);
 */
export function stats(): Stats {
  return client.stats();
}

/**
 * Delivers queued events (waiting at most `timeoutMs`), releases the transport's
 * sockets, stops the live sessions registry (last flush, store closed) and restores
 * the original `console`, stream and process hooks. Resolves `true` when everything
 * queued was settled in time, and within `timeoutMs` whatever the endpoint or a shared
 * store do: events given up on are counted as `dropped.closed`, a store that has not
 * closed by then finishes in the background. Safe to call more than once.
 *
 * @example
 * process.on('SIGTERM', async () => { await close(2000); process.exit(0); });
 */
export async function close(timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const delivered = await closeTransport(timeoutMs);
  const patches = state.patches.splice(0).reverse();
  for (const undo of patches) undo();
  state.initialized = false;
  await within(stopLiveSessions(), deadline - Date.now());
  return delivered;
}

/** Waits for `work` at most `ms`. */
function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  return Promise.race([
    work.then(
      () => {},
      () => {},
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
}
