import { capabilityState, state } from '../core/state.js';
import type { ResolvedLiveSessions } from './options.js';
import { createRegistry, type Registry } from './registry.js';

/** The live sessions registry of this process, when `init` enabled it. */
export function liveRegistry(): { current: Registry | undefined } {
  return capabilityState<{ current: Registry | undefined }>('sessions', () => ({
    current: undefined,
  }));
}

/**
 * Stops the registry, if any: last flush, observer removed, store closed (unless kept).
 * With `timeoutMs`, resolves by then at the latest: a store that has not closed is told
 * to drop its connection, so that a frozen server cannot keep the process alive.
 */
export async function stopLiveSessions(keepStore?: unknown, timeoutMs?: number): Promise<void> {
  const slot = liveRegistry();
  const registry = slot.current;
  if (registry === undefined) return;
  slot.current = undefined;
  const at = state.observers.indexOf(registry.observe);
  if (at !== -1) state.observers.splice(at, 1);
  const { store } = registry.options;
  const owned = store !== keepStore;
  const stopping = registry.stop().then(() => (owned ? store.close() : undefined));
  if (timeoutMs === undefined) return stopping;
  if (!(await settlesWithin(stopping, timeoutMs)) && owned) store.disconnect?.();
}

/** Whether `work` settles (either way) within `ms`. */
function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms), false);
  });
  const settled = work.then(
    () => true,
    () => true,
  );
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}

/** Replaces the registry with one for `options` (none when `undefined`). */
export function startLiveSessions(options: ResolvedLiveSessions | undefined): void {
  // The old registry's last flush runs in the background; it never rejects, but be sure.
  stopLiveSessions(options?.store).catch(() => {});
  if (options === undefined) return;
  const registry = createRegistry(options);
  liveRegistry().current = registry;
  state.observers.push(registry.observe);
}
