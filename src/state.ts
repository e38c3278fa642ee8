import { AsyncLocalStorage } from 'node:async_hooks';
import type { InternalContext } from './context.js';
import { DEFAULTS, type ResolvedOptions } from './options.js';
import type { RequestObserver } from './request.js';
import type { Registry } from './sessions/registry.js';
import { createStats, type Stats } from './stats.js';
import { kGlobalState } from './symbols.js';

/** Process-wide state. One slot on `globalThis` so the ESM and CJS builds share it. */
export interface GlobalState {
  readonly als: AsyncLocalStorage<InternalContext>;
  options: ResolvedOptions;
  stats: Stats;
  /** Uninstall functions of the global patches, in install order. */
  patches: Array<() => void>;
  /** Observers every request scope calls (features enabled through `init`). */
  observers: RequestObserver[];
  /** The live sessions registry, when `init` enabled it. */
  liveSessions: Registry | undefined;
  /** Optional global hooks currently installed (`propagate`, `openTelemetry`). */
  features: Set<string>;
  initialized: boolean;
}

const slot = globalThis as { [kGlobalState]?: GlobalState };

slot[kGlobalState] ??= {
  als: new AsyncLocalStorage<InternalContext>(),
  options: DEFAULTS,
  stats: createStats(),
  patches: [],
  observers: [],
  liveSessions: undefined,
  features: new Set(),
  initialized: false,
};

export const state: GlobalState = slot[kGlobalState];
