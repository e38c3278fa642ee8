import type { RequestContext } from './context.js';
import { getContext } from './context.js';
import { type ReplayLinkOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { createRegistry } from './sessions/registry.js';
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

function install(): void {
  if (state.initialized) return;
  state.initialized = true;
  state.patches.push(installStamping());
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
 * init({ tagNames: { recordingId: 'bugReplayRecording' }, debug: true });
 */
export function init(options?: ReplayLinkOptions): ReplayLinkClient {
  state.options = resolveOptions(options);
  install();
  startLiveSessions(state.options);
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
 * Restores the original `console` and stream methods and stops the live sessions registry
 * (last flush, store closed). Safe to call more than once.
 *
 * @example
 * process.on('SIGTERM', async () => { await close(); process.exit(0); });
 */
export async function close(): Promise<boolean> {
  const patches = state.patches.splice(0).reverse();
  for (const undo of patches) undo();
  state.initialized = false;
  await stopLiveSessions();
  return true;
}
