import { invalidOption } from './core/errors.js';
import {
  type CoreOptions,
  type CoreOptionsInput,
  isPlainObject,
  pickBoolean,
  resolveCoreOptions,
} from './core/options.js';
import { unknownOption } from './core/suggest.js';
import {
  FORWARD_OPTION_KEYS,
  type ForwardingOptions,
  type ResolvedForwarding,
  resolveForwarding,
} from './forward/options.js';
import {
  type PropagateOptions,
  type ResolvedPropagation,
  resolvePropagate,
} from './propagate/options.js';
import {
  type LiveSessionsOptions,
  type ResolvedLiveSessions,
  resolveLiveSessions,
} from './sessions/options.js';

/** Options of {@link init}. Every field is optional. */
export interface ReplayLinkOptions extends CoreOptionsInput, ForwardingOptions {
  /**
   * Adds the request's id headers to outgoing `fetch`, undici and `http(s).request` calls
   * made inside it, to these origins only. Off by default.
   */
  propagate?: PropagateOptions;
  /**
   * Sets `session.id` and `bugreplay.recording_id` on the active OpenTelemetry span when a
   * request enters its context. Needs `@opentelemetry/api`. Default `false`.
   */
  openTelemetry?: boolean;
  /** Keep a registry of the live sessions seen by this backend (off by default). */
  liveSessions?: LiveSessionsOptions;
}

/** Every capability's validated options, resolved together so that one bad key fails all. */
export interface ResolvedOptions {
  readonly core: CoreOptions;
  readonly forwarding: ResolvedForwarding;
  readonly propagate: ResolvedPropagation | undefined;
  readonly openTelemetry: boolean;
  readonly liveSessions: ResolvedLiveSessions | undefined;
}

const OPTION_KEYS = [
  'headers',
  'stamp',
  'tagNames',
  'debug',
  'breadcrumbs',
  'liveSessions',
  ...FORWARD_OPTION_KEYS,
  'tags',
  'propagate',
  'openTelemetry',
] as const;

/** Options every adapter accepts beside the `init` options; see `AdapterOptions`. */
export const ADAPTER_OPTION_KEYS = ['shouldForward', 'accessLog'] as const;

const ACCEPTED = `${OPTION_KEYS.join(', ')}; in an adapter also ${ADAPTER_OPTION_KEYS.join(', ')}`;

/** Validates user options once, at set-up, and merges them over the defaults. */
export function resolveOptions(input: unknown = {}, env = process.env): ResolvedOptions {
  if (!isPlainObject(input)) throw invalidOption('options', input, 'an object');
  for (const key of Object.keys(input)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key))
      throw invalidOption(key, input[key], unknownOption(key, ACCEPTED));
  }
  return {
    core: resolveCoreOptions(input),
    propagate: resolvePropagate(input.propagate),
    openTelemetry: pickBoolean(input, 'openTelemetry', false),
    forwarding: resolveForwarding(input, env),
    liveSessions: resolveLiveSessions(input.liveSessions),
  };
}
