import type { RequestContext } from './context.js';
import { getContext } from './context.js';
import { installOpenTelemetry, loadOpenTelemetry } from './opentelemetry.js';
import { type ReplayLinkOptions, resolveOptions } from './options.js';
import { installPropagation } from './propagate.js';
import { installStamping } from './stamp.js';
import { state } from './state.js';
import { type Stats, snapshotStats } from './stats.js';

/** The handle returned by {@link init}. */
export interface ReplayLinkClient {
  /** The current request's context, or `undefined` outside any request. */
  getContext(): RequestContext | undefined;
  /** A copy of the library's counters. */
  stats(): Stats;
  /** Restores everything `init` patched. Resolves `true` when nothing was left pending. */
  close(): Promise<boolean>;
}

const client: ReplayLinkClient = {
  getContext,
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
  if (state.options.propagate !== undefined) installOnce('propagate', installPropagation);
  if (state.options.openTelemetry) installOnce('openTelemetry', installOpenTelemetry);
}

function install(): void {
  if (state.initialized) return;
  state.initialized = true;
  state.patches.push(installStamping());
  installFeatures();
}

/**
 * Configures replaylink and installs its patches (once). Calling it again replaces
 * the configuration without patching twice.
 *
 * @example
 * import { init } from 'replaylink';
 * init({ tagNames: { recordingId: 'bugReplayRecording' }, debug: true });
 */
export function init(options?: ReplayLinkOptions): ReplayLinkClient {
  const resolved = resolveOptions(options);
  // A missing optional peer is a set-up error, raised before anything changes.
  if (resolved.openTelemetry) loadOpenTelemetry();
  state.options = resolved;
  install();
  installFeatures();
  return client;
}

/** Initialises with defaults unless `init` already ran. Used by adapters. */
export function ensureInit(): ReplayLinkClient {
  install();
  return client;
}

/** Current counters; see {@link Stats}. */
export function stats(): Stats {
  return client.stats();
}

/**
 * Restores the original `console` and stream methods. Safe to call more than once.
 *
 * @example
 * process.on('SIGTERM', async () => { await close(); process.exit(0); });
 */
export async function close(): Promise<boolean> {
  const patches = state.patches.splice(0).reverse();
  for (const undo of patches) undo();
  state.initialized = false;
  return true;
}
