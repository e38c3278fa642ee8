import type { IncomingHttpHeaders } from 'node:http';
import { diagnose } from './diagnostics.js';
import { type IdKind, rejectionReason } from './headers.js';
import type { InternalContext } from './model.js';
import { type CoreOptions, idHeaderNames, TAG_KINDS } from './options.js';
import { capabilityState, state } from './state.js';
import { printable } from './text.js';

// Why a request's lines are not stamped: counted always (`stats().unstamped`), explained
// on stderr with `debug` for the first few requests, then summed up once a minute. Only
// requests that carry no id reach this file, so requests that do pay nothing for it.

/** Requests explained one by one (per `init`) before the rest are only counted. */
const EXPLAINED = 5;
const SUMMARY_MS = 60_000;
/** Header names listed when none is an id header (names only, never values). */
const SHOWN_NAMES = 12;

/** Header names frontends and proxies are known to send instead of the default ones. */
const ALIASES: Readonly<Record<string, IdKind>> = {
  'openreplay-session-token': 'sessionToken',
  'open-replay-session-token': 'sessionToken',
  'openreplay-token': 'sessionToken',
  'openreplay-session': 'sessionToken',
  'bugreplay-recording-uuid': 'recordingId',
  'bugreplay-recording-id': 'recordingId',
  'br-recording-id': 'recordingId',
  'recording-uuid': 'recordingId',
  'openreplay-sessionid': 'sessionId',
  'openreplay-session-id': 'sessionId',
};

type Reason = keyof typeof state.stats.unstamped;

interface Explainer {
  /** The options `nearMiss` was built for; rebuilt when `init` changes them. */
  options: CoreOptions | undefined;
  /** Header names that look like an id header but are not read, to the id they resemble. */
  nearMiss: Map<string, IdKind>;
  explained: number;
  /** Requests not explained since the last summary, by reason. */
  pending: Record<Reason, number>;
  timer: ReturnType<typeof setInterval> | undefined;
}

const explainer = () =>
  capabilityState<Explainer>('unstamped', () => ({
    options: undefined,
    nearMiss: new Map(),
    explained: 0,
    pending: { noIdHeader: 0, nearMissHeader: 0, rejectedId: 0 },
    timer: undefined,
  }));

/** `x-open_replay.token` → with and without `x-`, with `-`, `_` or nothing between words. */
function spellings(name: string): string[] {
  const words = name.replace(/^x[-_]/, '').split(/[-_.]/);
  const bodies = [words.join('-'), words.join('_'), words.join('')];
  return bodies.flatMap((body) => [body, `x-${body}`, `x_${body}`]);
}

/** Every near-miss spelling of the configured names and the known aliases, minus the names read. */
function nearMissTable(options: CoreOptions): Map<string, IdKind> {
  const table = new Map<string, IdKind>();
  const add = (name: string, kind: IdKind) => {
    for (const spelling of spellings(name)) if (!table.has(spelling)) table.set(spelling, kind);
  };
  for (const kind of TAG_KINDS) add(options.headers[kind], kind);
  for (const [alias, kind] of Object.entries(ALIASES)) add(alias, kind);
  for (const name of Object.values(options.headers)) table.delete(name);
  for (const name of options.tokenHeaders) table.delete(name);
  return table;
}

function nearMissOf(headers: IncomingHttpHeaders): string | undefined {
  const self = explainer();
  if (self.options !== state.options) {
    self.options = state.options;
    self.nearMiss = nearMissTable(state.options);
  }
  for (const name in headers) if (self.nearMiss.has(name)) return name;
  return undefined;
}

/** The first stamped id whose header came with a rejected value, and why. */
function rejectedOf(headers: IncomingHttpHeaders): { name: string; why: string } | undefined {
  for (const kind of TAG_KINDS) {
    for (const name of idHeaderNames(state.options, kind)) {
      const value = headers[name];
      if (value === undefined) continue;
      const why = rejectionReason(kind, value);
      if (why !== undefined) return { name, why };
    }
  }
  return undefined;
}

function describe(reason: Reason, headers: IncomingHttpHeaders, detail: string): string {
  const names = state.options.headers;
  if (reason === 'nearMissHeader') {
    const kind = explainer().nearMiss.get(detail)!;
    return `header "${detail}" is not one replaylink reads (did you mean "${names[kind]}"?)`;
  }
  if (reason === 'rejectedId') return `${detail} (value not shown)`;
  const lookedFor = TAG_KINDS.flatMap((kind) => idHeaderNames(state.options, kind)).join(', ');
  const seen = Object.keys(headers);
  const listed = seen.slice(0, SHOWN_NAMES).join(', ') + (seen.length > SHOWN_NAMES ? ', …' : '');
  return `no id header (looked for ${lookedFor}; saw none${seen.length > 0 ? ` in ${printable(listed, 200)}` : ''})`;
}

function summarise(): void {
  const self = explainer();
  const { noIdHeader, nearMissHeader, rejectedId } = self.pending;
  const total = noIdHeader + nearMissHeader + rejectedId;
  if (total === 0) {
    // A quiet minute: stop until the next unexplained request.
    clearInterval(self.timer);
    self.timer = undefined;
    return;
  }
  self.pending = { noIdHeader: 0, nearMissHeader: 0, rejectedId: 0 };
  diagnose(
    `${total} more requests not stamped in the last minute: ${noIdHeader} without an id header, ` +
      `${nearMissHeader} with a near-miss header name, ${rejectedId} with a rejected id ` +
      '(stats().unstamped counts them all)',
  );
}

function report(
  reason: Reason,
  context: InternalContext,
  headers: IncomingHttpHeaders,
  detail: string,
): void {
  const self = explainer();
  if (self.explained < EXPLAINED) {
    self.explained++;
    const more = self.explained === EXPLAINED ? '; further ones are summed up once a minute' : '';
    diagnose(
      `${context.method} ${printable(context.path, 80)}: lines not stamped, ` +
        `${describe(reason, headers, detail)}${more}`,
    );
    return;
  }
  self.pending[reason]++;
  if (self.timer === undefined) {
    // Outside the request's context, which the timer would otherwise keep alive.
    self.timer = state.als.exit(() => setInterval(summarise, SUMMARY_MS));
    // Never keeps the process alive.
    self.timer.unref();
  }
}

/**
 * Called for a request that carries none of the stamped ids: counts why (a rejected value,
 * a near-miss header name, or no id header at all) and, with `debug`, says so.
 */
export function noteUnstamped(context: InternalContext, headers: IncomingHttpHeaders): void {
  let reason: Reason;
  let detail = '';
  const rejected = rejectedOf(headers);
  if (rejected !== undefined) {
    reason = 'rejectedId';
    detail = `${rejected.name} rejected: ${rejected.why}`;
  } else {
    const near = nearMissOf(headers);
    reason = near === undefined ? 'noIdHeader' : 'nearMissHeader';
    detail = near ?? '';
  }
  state.stats.unstamped[reason]++;
  if (state.options.debug && state.options.stamp) report(reason, context, headers, detail);
}

/** Forgets what was explained and stops the summary timer; part of `close()`. */
export function resetUnstamped(): void {
  const self = explainer();
  clearInterval(self.timer);
  self.timer = undefined;
  self.explained = 0;
  self.pending = { noIdHeader: 0, nearMissHeader: 0, rejectedId: 0 };
}
