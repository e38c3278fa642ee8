import { type ContextInit, getContext, runWithContext as runInContext } from './core/context.js';
import { diagnose } from './core/diagnostics.js';
import { installEmitterBinding } from './core/emitters.js';
import type { RequestContext } from './core/model.js';
import { state } from './core/state.js';
import { type Stats, snapshotStats } from './core/stats.js';
import { resetUnstamped } from './core/unstamped.js';
import { installConsoleForwarding } from './forward/console-forward.js';
import { installExitDrain } from './forward/exit-drain.js';
import {
  closeTransport,
  configureForwarding,
  flush,
  captureException as forwardException,
  log as forwardLog,
  forwardsErrors,
} from './forward/forward.js';
import { installProcessHandlers } from './forward/process-handlers.js';
import { forwardState } from './forward/state.js';
import { installLambdaConsole, isLambdaConsole } from './lambda/console.js';
import { describeSetup, type ReplayLinkOptions, resolveOptions } from './options.js';
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
  captureException: typeof forwardException;
  /** Sends a log event for the current request's recording; returns whether it was queued. */
  log: typeof forwardLog;
  /** Resolves `true` once everything queued before the call is settled. */
  flush: typeof flush;
  /** A copy of the library's counters. */
  stats(): Stats;
  /** Flushes (bounded by `timeoutMs`), releases sockets and restores everything `init` patched. */
  close(timeoutMs?: number): Promise<boolean>;
}

const client: ReplayLinkClient = {
  getContext,
  captureException: forwardException,
  log: forwardLog,
  flush,
  stats: () => snapshotStats(state.stats),
  close,
};

/** Installs an optional global hook once; `close()` removes it like the other patches. */
export function installOnce(name: string, install: () => () => void): void {
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
  // The stream patch stamps lines and keeps breadcrumbs for forwarded errors: with
  // neither to do, every write keeps one layer less.
  const { stamp, breadcrumbs } = state.options;
  if (stamp || (forwardsErrors() && breadcrumbs > 0)) installOnce('stamping', installStamping);
  // Only when console output can be forwarded: otherwise console calls keep one layer less.
  if (apiKey !== undefined && logs !== false)
    installOnce('consoleForwarding', installConsoleForwarding);
  const { propagate, openTelemetry } = propagateState();
  if (propagate !== undefined) installOnce('propagate', installPropagation);
  if (openTelemetry) installOnce('openTelemetry', installOpenTelemetry);
}

/** The patches every configuration needs, installed once until `close()`. */
function install(): void {
  state.initialized = true;
  state.patches.push(installEmitterBinding(), installProcessHandlers(), installExitDrain());
  // Beneath console forwarding (a feature, installed next), so that it forwards the
  // application's text and the tag goes only into the runtime's record.
  if (isLambdaConsole()) state.patches.push(installLambdaConsole());
}

/** The environment options fall back on: the process's, less the variables refused. */
function environment(): NodeJS.ProcessEnv {
  if (state.ignoredVariables.size === 0) return process.env;
  const env = { ...process.env };
  for (const name of state.ignoredVariables) delete env[name];
  return env;
}

/**
 * Validates `input`, then hands each capability its part. Nothing changes on a bad option.
 * With `debug`, says in one line what is now on (`accessLog`: the adapter's, if any).
 */
function apply(input: unknown, accessLog?: string): void {
  const resolved = resolveOptions(input, environment());
  // A missing optional peer is a set-up error, raised before anything changes.
  if (resolved.openTelemetry) loadOpenTelemetry();
  state.input = Object.freeze({ ...(input as Record<string, unknown>) });
  state.options = resolved.core;
  const propagation = propagateState();
  propagation.propagate = resolved.propagate;
  propagation.openTelemetry = resolved.openTelemetry;
  configureForwarding(resolved.forwarding);
  if (!state.initialized) install();
  installFeatures();
  startLiveSessions(resolved.liveSessions);
  if (state.options.debug) diagnose(describeSetup(resolved, accessLog));
}

/**
 * Configures replaylink and installs its patches (once). An explicit call replaces the
 * whole configuration (options given earlier, here or through an adapter, are dropped;
 * with `debug` it says so) without patching twice.
 *
 * @example
 * import { init } from 'replaylink';
 * init({ apiKey: process.env.BUGREPLAY_API_KEY, origin: 'orders-api' });
 */
export function init(options?: ReplayLinkOptions): ReplayLinkClient {
  const previous = state.input;
  apply(options ?? {});
  if (previous !== undefined && Object.keys(previous).length > 0)
    diagnose(
      `init() replaced the earlier configuration (${Object.keys(previous).join(', ')}); ` +
        'options not given again are back to their defaults',
    );
  return client;
}

/**
 * What an adapter's set-up does. Its `init` options, when it has any, are merged key by
 * key over the configuration in force, so `expressMiddleware({ liveSessions })` after
 * `init({ apiKey })` keeps the key (the first configuration is simply set); without any,
 * the library is set up with defaults unless it is already. `accessLog` describes the
 * adapter's access log for `debug`: part of the set-up line, or a line of its own when
 * the library was set up before.
 */
export function adapterInit(options: ReplayLinkOptions | undefined, accessLog?: string): void {
  if (options !== undefined)
    apply({ ...state.input, ...(options as Record<string, unknown>) }, accessLog);
  else if (!state.initialized) apply(state.input ?? {}, accessLog);
  else if (accessLog !== undefined) diagnose(`access log on for a middleware: ${accessLog}`);
}

/** Initialises with defaults (and the environment) unless set up already. Used by adapters. */
export function ensureInit(): ReplayLinkClient {
  if (!state.initialized) apply(state.input ?? {});
  return client;
}

/**
 * Runs `fn` inside a context built from `init`, for code outside any framework (jobs,
 * queue consumers, tests); sets the library up first if nothing did. Ids are validated
 * like incoming headers.
 *
 * @example
 * queue.on('job', (job) =>
 *   runWithContext({ sessionToken: job.data.token }, () => processJob(job)),
 * );
 */
export function runWithContext<T>(init: ContextInit, fn: () => T): T {
  ensureInit();
  return runInContext(init, fn);
}

/**
 * Forwards an error with the current request's context (sets the library up first if
 * nothing did); returns whether it was queued.
 *
 * @example
 * try { await charge(order); } catch (error) { captureException(error); throw error; }
 */
export function captureException(error: unknown, extra?: Record<string, unknown>): boolean {
  ensureInit();
  return forwardException(error, extra);
}

/**
 * Sends a log event for the current request's recording (sets the library up first if
 * nothing did); returns whether it was queued. A plain object or array is sent as JSON.
 *
 * @example
 * log('payment declined', { level: 'warn', metadata: { provider: 'stripe' } });
 */
export function log(
  message: Parameters<typeof forwardLog>[0],
  options?: Parameters<typeof forwardLog>[1],
): boolean {
  ensureInit();
  return forwardLog(message, options);
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
  state.input = undefined;
  state.warned.clear();
  resetUnstamped();
  await stopLiveSessions(undefined, deadline - Date.now());
  return delivered;
}
