import { capabilityState, state } from '../core/state.js';
import type { ResolvedLiveSessions } from './options.js';
import { createRegistry, type Registry } from './registry.js';

/** The live sessions registry of this process, when `init` enabled it. */
export function liveRegistry(): { current: Registry | undefined } {
  return capabilityState<{ current: Registry | undefined }>('sessions', () => ({
    current: undefined,
  }));
}

/** Stops the registry, if any: last flush, observer removed, store closed (unless kept). */
export async function stopLiveSessions(keepStore?: unknown): Promise<void> {
  const slot = liveRegistry();
  const registry = slot.current;
  if (registry === undefined) return;
  slot.current = undefined;
  const at = state.observers.indexOf(registry.observe);
  if (at !== -1) state.observers.splice(at, 1);
  await registry.stop();
  if (registry.options.store !== keepStore) await registry.options.store.close();
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
