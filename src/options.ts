import { invalidOption } from './core/errors.js';
import {
  type CoreOptions,
  type CoreOptionsInput,
  idHeaderNames,
  isPlainObject,
  pickBoolean,
  resolveCoreOptions,
  TAG_KINDS,
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
  'sessionIdFromToken',
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

/** Where events go, without the key or anything else a URL may carry (user, query). */
function endpointText(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.origin}${url.pathname}`;
  } catch {
    return 'an invalid endpoint';
  }
}

function forwardingText({ apiKey, endpoint, exceptions, logs }: ResolvedForwarding): string {
  if (apiKey === undefined) return 'forwards nothing (no apiKey)';
  const what = [
    ...(exceptions ? ['exceptions'] : []),
    ...(logs === false ? [] : [`console logs from ${logs}`]),
  ];
  if (what.length === 0) return 'forwards nothing (forward turns both off)';
  return `forwards ${what.join(' and ')} to ${endpointText(endpoint)} (api key set)`;
}

/**
 * The one line `debug` prints at set-up: what replaylink reads, stamps, forwards and
 * keeps. `accessLog` describes the adapter's access log, when set up together.
 */
export function describeSetup(resolved: ResolvedOptions, accessLog?: string): string {
  const { headers, stamp, tags, tagNames } = resolved.core;
  const ids = TAG_KINDS.flatMap((kind) => idHeaderNames(resolved.core, kind)).join(', ');
  const read = `reads ${ids} (and ${headers.requestId} as the request id)`;
  const stamping = stamp
    ? `stamps stdout and stderr with ${tags.map((kind) => tagNames[kind]).join(', ')}`
    : 'stamps nothing (stamp: false)';
  const live = resolved.liveSessions;
  const parts = [
    read,
    stamping,
    forwardingText(resolved.forwarding),
    `access log: ${accessLog ?? 'off'}`,
    live === undefined
      ? 'live sessions: off'
      : `live sessions: on, ${live.store.shared ? 'shared store' : 'in-process memory store'}`,
  ];
  if (resolved.propagate !== undefined) parts.push('propagates ids to allowlisted origins');
  if (resolved.openTelemetry) parts.push('annotates OpenTelemetry spans');
  return `set up: ${parts.join('; ')}`;
}
