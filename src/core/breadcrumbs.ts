import type { InternalContext } from './model.js';
import { state } from './state.js';
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

/**
 * The raw trail, one flat array per request: the characters kept so far, then one
 * `level, text, offset` triple per write, oldest first. Texts are stored as written
 * (trailing newline included) and cut when the trail is read, so a write costs a few
 * pushes and no allocation of its own.
 */
type Trail = [chars: number, ...entries: Array<string | number>];

type WithTrail = InternalContext & { [kBreadcrumbs]?: Trail };

/** A text's length once its trailing newline is dropped and it is cut to the cap. */
function keptLength(text: string): number {
  const length = text.charCodeAt(text.length - 1) === 0x0a ? text.length - 1 : text.length;
  return length < MAX_BREADCRUMB_CHARS ? length : MAX_BREADCRUMB_CHARS;
}

/**
 * Runs `print` (a console method) with its level noted, so the stream write it causes is
 * kept under that level rather than the stream's.
 */
export function withConsoleLevel(level: string, print: () => void): void {
  const outer = state.consoleLevel;
  state.consoleLevel = level;
  try {
    print();
  } finally {
    state.consoleLevel = outer;
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
  const chars = keptLength(text);
  if (chars <= 0) return;
  const owner = context as WithTrail;
  let trail = owner[kBreadcrumbs];
  // The context was created with this slot, so filling it keeps the object's shape.
  if (trail === undefined) owner[kBreadcrumbs] = trail = [0];
  trail.push(state.consoleLevel ?? fallbackLevel, text, Date.now() - context.startedAt);
  trail[0] += chars;
  while (trail.length > 1 + 3 * limit || trail[0] > MAX_BREADCRUMB_CHARS) {
    trail[0] -= keptLength(trail[2] as string);
    trail.splice(1, 3);
  }
}

/** A copy of the trail of `context`, oldest first; empty when it wrote nothing. */
export function breadcrumbsOf(context: InternalContext | undefined): Breadcrumb[] {
  const trail = (context as WithTrail | undefined)?.[kBreadcrumbs];
  const crumbs: Breadcrumb[] = [];
  if (trail === undefined) return crumbs;
  for (let i = 1; i < trail.length; i += 3) {
    const text = trail[i + 1] as string;
    crumbs.push({
      level: trail[i] as string,
      message: text.slice(0, keptLength(text)),
      offsetMs: trail[i + 2] as number,
    });
  }
  return crumbs;
}
