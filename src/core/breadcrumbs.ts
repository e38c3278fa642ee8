import type { InternalContext } from './model.js';
import { capabilityState, state } from './state.js';
import { kBreadcrumbs } from './symbols.js';

/** One line a request wrote before an exception: what the player shows as its story. */
export interface Breadcrumb {
  readonly level: string;
  readonly message: string;
  /** Milliseconds from the start of the request. */
  readonly offsetMs: number;
}

/** The whole trail is kept under this many characters; the oldest lines go first. */
export const MAX_BREADCRUMB_CHARS = 8 * 1024;

interface Trail {
  readonly crumbs: Breadcrumb[];
  chars: number;
}

type WithTrail = InternalContext & { [kBreadcrumbs]?: Trail };

// The level of the console call being printed, so its stream write is filed under it.
const pending = () =>
  capabilityState('breadcrumbs', () => ({ level: undefined as string | undefined }));

/**
 * Runs `print` (a console method) with its level noted, so the stream write it causes is
 * kept under that level rather than the stream's.
 */
export function withConsoleLevel(level: string, print: () => void): void {
  const note = pending();
  const outer = note.level;
  note.level = level;
  try {
    print();
  } finally {
    note.level = outer;
  }
}

/**
 * Keeps `text` as the newest breadcrumb of `context`. Only recorded requests keep any
 * (nothing else is forwarded); the trail is allocated on the first line.
 */
export function addBreadcrumb(
  context: InternalContext | undefined,
  fallbackLevel: string,
  text: string,
): void {
  const limit = state.options.breadcrumbs;
  if (limit === 0 || context?.recordingId === undefined) return;
  const message = (text.endsWith('\n') ? text.slice(0, -1) : text).slice(0, MAX_BREADCRUMB_CHARS);
  if (message === '') return;
  const owner = context as WithTrail;
  let trail = owner[kBreadcrumbs];
  if (trail === undefined) {
    trail = { crumbs: [], chars: 0 };
    // The context was created with this slot, so filling it keeps the object's shape.
    owner[kBreadcrumbs] = trail;
  }
  const level = pending().level ?? fallbackLevel;
  trail.crumbs.push({ level, message, offsetMs: Date.now() - context.startedAt });
  trail.chars += message.length;
  while (trail.crumbs.length > limit || trail.chars > MAX_BREADCRUMB_CHARS)
    trail.chars -= trail.crumbs.shift()!.message.length;
}

/** A copy of the trail of `context`, oldest first; empty when it wrote nothing. */
export function breadcrumbsOf(context: InternalContext | undefined): Breadcrumb[] {
  const trail = (context as WithTrail | undefined)?.[kBreadcrumbs];
  return trail === undefined ? [] : trail.crumbs.slice();
}
