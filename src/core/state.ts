import { AsyncLocalStorage } from 'node:async_hooks';
import type { InternalContext, RequestObserver } from './model.js';
import { CORE_DEFAULTS, type CoreOptions } from './options.js';
import { createStats, type Stats } from './stats.js';
import { kGlobalState } from './symbols.js';

/**
 * Process-wide state. One slot on `globalThis` so the ESM and CJS builds share it; the
 * only module of the package that keeps mutable state. Capabilities keep theirs in
 * {@link capabilityState}, which lives in the same slot.
 */
export interface GlobalState {
  readonly als: AsyncLocalStorage<InternalContext>;
  /** The core part of the configuration: headers, tags, stamping, debug. */
  options: CoreOptions;
  stats: Stats;
  /** Uninstall functions of the global patches, in install order. */
  patches: Array<() => void>;
  /** Observers every request scope calls (features enabled through `init`). */
  observers: RequestObserver[];
  /** Optional global hooks currently installed (`propagate`, `openTelemetry`). */
  features: Set<string>;
  initialized: boolean;
  /**
   * The `init` options in force, as given (validated), so that options arriving later
   * through an adapter merge over them instead of resetting them. `undefined` until set.
   */
  input: Readonly<Record<string, unknown>> | undefined;
  /**
   * `REPLAYLINK_*` variables refused by `replaylink/register` (said once on stderr): the
   * options no longer fall back on them.
   */
  ignoredVariables: Set<string>;
  /** Kinds of trouble already reported once on stderr; see `warnOnce`. */
  warned: Set<string>;
  /** stderr's write beneath the stream patch, so diagnostics are never stamped. */
  rawStderr: (text: string) => unknown;
  /** The level of the console call being printed, so its stream write is kept under it. */
  consoleLevel: string | undefined;
  /** Each capability's own state, by name; see {@link capabilityState}. */
  readonly capabilities: Map<string, unknown>;
}

const slot = globalThis as { [kGlobalState]?: GlobalState };

slot[kGlobalState] ??= {
  als: new AsyncLocalStorage<InternalContext>(),
  options: CORE_DEFAULTS,
  stats: createStats(),
  patches: [],
  observers: [],
  features: new Set(),
  initialized: false,
  input: undefined,
  ignoredVariables: new Set(),
  warned: new Set(),
  rawStderr: (text) => process.stderr.write(text),
  consoleLevel: undefined,
  capabilities: new Map(),
};

export const state: GlobalState = slot[kGlobalState];

/**
 * A capability's process-wide state, created on first use. Returns the same object for
 * the same name in both builds, so a capability module holds no state of its own.
 *
 * @example
 * const forwarding = capabilityState('forward', () => ({ transport: undefined }));
 */
export function capabilityState<T extends object>(name: string, create: () => T): T {
  let value = state.capabilities.get(name) as T | undefined;
  if (value === undefined) {
    value = create();
    state.capabilities.set(name, value);
  }
  return value;
}
