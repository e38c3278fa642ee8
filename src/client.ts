import { installConsoleForwarding } from './console-forward.js';
import type { RequestContext } from './context.js';
import { getContext } from './context.js';
import { installEmitterBinding } from './emitters.js';
import { captureException, closeTransport, configureTransport, flush, log } from './forward.js';
import { installOpenTelemetry, loadOpenTelemetry } from './opentelemetry.js';
import { type ReplayLinkOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { installProcessHandlers } from './process-handlers.js';
import { installPropagation } from './propagate.js';
import { createRegistry } from './sessions/registry.js';
import { installStamping } from './stamp.js';
import { state } from './state.js';
import { type Stats, snapshotStats } from './stats.js';

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
  const { apiKey, logs } = state.options.forwarding;
  // Only when console output can be forwarded: otherwise console calls keep one layer less.
  if (apiKey !== undefined && logs !== false)
    installOnce('consoleForwarding', installConsoleForwarding);
  if (state.options.propagate !== undefined) installOnce('propagate', installPropagation);
  if (state.options.openTelemetry) installOnce('openTelemetry', installOpenTelemetry);
}

function install(): void {
  if (state.initialized) return;
  state.initialized = true;
  configureTransport(state.options.forwarding);
  state.patches.push(installEmitterBinding(), installStamping(), installProcessHandlers());
  installFeatures();
}

/** Stops the live sessions registry, if any: last flush, observer removed, store closed. */
async function stopLiveSessions(keepStore?: unknown): Promise<void> {
  const registry = state.liveSessions;
  if (registry === undefined) return;
  state.liveSessions = undefined;
  const at = state.observers.indexOf(registry.observe);
  if (at !== -1) state.observers.splice(at, 1);
  await registry.stop();
  if (registry.options.store !== keepStore) await registry.options.store.close();
}

function startLiveSessions(options: ResolvedOptions): void {
  // The old registry's last flush runs in the background; it never rejects, but be sure.
  stopLiveSessions(options.liveSessions?.store).catch(() => {});
  if (options.liveSessions === undefined) return;
  const registry = createRegistry(options.liveSessions);
  state.liveSessions = registry;
  state.observers.push(registry.observe);
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
  state.options = resolved;
  if (state.initialized) configureTransport(state.options.forwarding);
  else install();
  installFeatures();
  startLiveSessions(state.options);
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
 * queued was settled in time. Safe to call more than once.
 *
 * @example
 * process.on('SIGTERM', async () => { await close(2000); process.exit(0); });
 */
export async function close(timeoutMs = 2000): Promise<boolean> {
  const delivered = await closeTransport(timeoutMs);
  const patches = state.patches.splice(0).reverse();
  for (const undo of patches) undo();
  state.initialized = false;
  await stopLiveSessions();
  return delivered;
}
