import type { InternalContext } from '../core/model.js';
import { capabilityState } from '../core/state.js';
import { type ResolvedForwarding, resolveForwarding } from './options.js';
import type { Transport } from './transport.js';

/** Forwarding's share of the process state. */
export interface ForwardState {
  options: ResolvedForwarding;
  transport: Transport | undefined;
  /** Errors already forwarded, so that one passing several capture points is sent once. */
  readonly forwarded: WeakSet<object>;
  /** Primitive reasons already forwarded, per request context (`'ETIMEDOUT'` is not unique). */
  readonly primitives: WeakMap<object, Set<unknown>>;
  /** The context a request listener was in as it threw, until the uncaught exception is seen. */
  escaping: InternalContext | undefined;
}

export function forwardState(): ForwardState {
  return capabilityState<ForwardState>('forward', () => ({
    options: Object.freeze(resolveForwarding({}, {})),
    transport: undefined,
    forwarded: new WeakSet(),
    primitives: new WeakMap(),
    escaping: undefined,
  }));
}
