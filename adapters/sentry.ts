import { contextTags, idHeadersToHide } from '../src/index.js';

/** The part of a Sentry event this integration touches. */
export interface SentryEvent {
  tags?: { [key: string]: unknown };
  request?: { headers?: { [key: string]: unknown } };
}

/** Sentry's integration shape (`name` plus hooks), declared here so Sentry is not imported. */
export interface SentryIntegration {
  name: string;
  processEvent<E extends SentryEvent>(event: E): E;
}

/** The Sentry tags OpenReplay's and BugReplay's Sentry integrations look for (the default `tagNames`). */
export const SENTRY_TAGS = Object.freeze({
  sessionToken: 'openReplaySessionToken',
  sessionId: 'openReplaySession.id',
  recordingId: 'bugReplayRecordingUuid',
});

/** Sentry's request data copies every header: drop the id headers a log must not repeat. */
function hideIdHeaders(event: SentryEvent): void {
  const headers = event.request?.headers;
  if (headers === undefined) return;
  for (const name of idHeadersToHide()) {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name) delete headers[key];
  }
}

function addTags<E extends SentryEvent>(event: E): E {
  hideIdHeaders(event);
  // Honours `tags` and `tagNames`, like stamping and the logger helpers.
  const tags = contextTags();
  if (tags === undefined) return event;
  // Tags the application set itself win.
  event.tags = { ...tags.fields, ...event.tags };
  return event;
}

/**
 * A Sentry integration (`@sentry/node` 8 and later) that tags every event captured inside
 * a request with the request's `openReplaySessionToken`, `openReplaySession.id` and
 * `bugReplayRecordingUuid`, so OpenReplay's Sentry integration finds the events of a
 * session. Only the ids selected by the `tags` option are added, named by `tagNames`
 * (`init({ tags: ['sessionId'] })` keeps the token out of Sentry); the token's header
 * (and those of ids left out of `tags`) is removed from the event's request data. Events outside a
 * request are left as they are. Imports nothing from Sentry.
 *
 * @example
 * import * as Sentry from '@sentry/node';
 * import { replayLinkIntegration } from 'replaylink/sentry';
 * Sentry.init({ dsn, integrations: [replayLinkIntegration()] });
 */
export function replayLinkIntegration(): SentryIntegration {
  return { name: 'ReplayLink', processEvent: addTags };
}
