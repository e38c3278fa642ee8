import { getContext } from '../src/index.js';

/** The part of a Sentry event this integration touches. */
export interface SentryEvent {
  tags?: { [key: string]: unknown };
}

/** Sentry's integration shape (`name` plus hooks), declared here so Sentry is not imported. */
export interface SentryIntegration {
  name: string;
  processEvent<E extends SentryEvent>(event: E): E;
}

/** The Sentry tags OpenReplay's and BugReplay's Sentry integrations look for. */
export const SENTRY_TAGS = Object.freeze({
  sessionToken: 'openReplaySessionToken',
  sessionId: 'openReplaySession.id',
  recordingId: 'bugReplayRecordingUuid',
});

function addTags<E extends SentryEvent>(event: E): E {
  const context = getContext();
  if (context === undefined) return event;
  const tags: Record<string, string> = {};
  for (const kind of ['sessionToken', 'sessionId', 'recordingId'] as const) {
    const value = context[kind];
    if (value !== undefined) tags[SENTRY_TAGS[kind]] = value;
  }
  // Tags the application set itself win.
  event.tags = { ...tags, ...event.tags };
  return event;
}

/**
 * A Sentry integration (`@sentry/node` 8 and later) that tags every event captured inside
 * a request with the request's `openReplaySessionToken`, `openReplaySession.id` and
 * `bugReplayRecordingUuid`, so OpenReplay's Sentry integration finds the events of a
 * session. Events outside a request are left as they are. Imports nothing from Sentry.
 *
 * @example
 * import * as Sentry from '@sentry/node';
 * import { replayLinkIntegration } from 'replaylink/sentry';
 * Sentry.init({ dsn, integrations: [replayLinkIntegration()] });
 */
export function replayLinkIntegration(): SentryIntegration {
  return { name: 'ReplayLink', processEvent: addTags };
}
