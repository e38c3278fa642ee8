import { invalidOption } from '../core/errors.js';
import { isPlainObject } from '../core/options.js';
import { capabilityState } from '../core/state.js';

/** Where outgoing requests may carry the ids: exact origins or patterns tested on the origin. */
export interface PropagateOptions {
  /**
   * Origins (`https://orders.internal`) or RegExps tested against the origin
   * (`protocol://host[:port]`, e.g. `/\.internal\.example$/`).
   */
  origins: ReadonlyArray<string | RegExp>;
}

export interface ResolvedPropagation {
  readonly origins: ReadonlySet<string>;
  readonly patterns: readonly RegExp[];
}

/** The propagation and OpenTelemetry settings, kept with the rest of the process state. */
export interface PropagateState {
  propagate: ResolvedPropagation | undefined;
  openTelemetry: boolean;
  /** `@opentelemetry/api`, once loaded. */
  otel: unknown;
}

export function propagateState(): PropagateState {
  return capabilityState<PropagateState>('propagate', () => ({
    propagate: undefined,
    openTelemetry: false,
    otel: undefined,
  }));
}

/** Parses an allowlisted origin: http(s), no credentials, path, query or fragment. */
function parseOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const bare = url.pathname === '/' && url.search === '' && url.hash === '';
  const plain = url.username === '' && url.password === '';
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !bare || !plain) return undefined;
  return url.origin;
}

export function resolvePropagate(value: unknown): ResolvedPropagation | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw invalidOption('propagate', value, 'an object with "origins"');
  const accepted = 'an origin such as "https://orders.internal" or a RegExp';
  const list = value.origins;
  if (!Array.isArray(list) || list.length === 0)
    throw invalidOption('propagate.origins', list, `a non-empty array of ${accepted}s`);
  const origins = new Set<string>();
  const patterns: RegExp[] = [];
  for (const entry of list) {
    if (entry instanceof RegExp) {
      // Without g/y so test() keeps no state between requests.
      patterns.push(new RegExp(entry.source, entry.flags.replace(/[gy]/g, '')));
      continue;
    }
    const origin = typeof entry === 'string' ? parseOrigin(entry) : undefined;
    if (origin === undefined) throw invalidOption('propagate.origins', entry, accepted);
    origins.add(origin);
  }
  return { origins, patterns };
}
