import { createRequire } from 'node:module';
import { crypto } from '../core/builtins.js';
import { invalidOption } from '../core/errors.js';
import type { InternalContext, RequestObserver } from '../core/model.js';
import { state } from '../core/state.js';
import { propagateState } from './options.js';

/** The part of `@opentelemetry/api` used here; the package is an optional peer. */
interface OpenTelemetryApi {
  trace: { getActiveSpan(): { setAttribute(key: string, value: string): unknown } | undefined };
}

/**
 * Loads `@opentelemetry/api` when the `openTelemetry` option asks for it, and only then.
 * Throws at set-up when it is not installed.
 */
export function loadOpenTelemetry(): OpenTelemetryApi {
  const settings = propagateState();
  if (settings.otel !== undefined) return settings.otel as OpenTelemetryApi;
  try {
    const api = createRequire(import.meta.url)('@opentelemetry/api') as OpenTelemetryApi;
    settings.otel = api;
    return api;
  } catch {
    throw invalidOption('openTelemetry', true, 'true only when @opentelemetry/api is installed');
  }
}

/**
 * `session.id`: OpenReplay's session id, else a hash of the token (a credential, never
 * sent raw); only from the ids the `tags` option selects.
 */
export function sessionAttribute(context: InternalContext): string | undefined {
  const { tags } = state.options;
  if (context.sessionId !== undefined && tags.includes('sessionId')) return context.sessionId;
  if (context.sessionToken === undefined || !tags.includes('sessionToken')) return undefined;
  return crypto().createHash('sha256').update(context.sessionToken).digest('hex').slice(0, 32);
}

/** Sets the ids on the span active when the request entered its context (the server span). */
const annotateSpan: RequestObserver = (context) => {
  const { openTelemetry, otel } = propagateState();
  if (!openTelemetry || otel === undefined) return;
  const api = otel as OpenTelemetryApi;
  try {
    const span = api.trace.getActiveSpan();
    if (span === undefined) return;
    const session = sessionAttribute(context);
    if (session !== undefined) span.setAttribute('session.id', session);
    if (context.recordingId !== undefined && state.options.tags.includes('recordingId'))
      span.setAttribute('bugreplay.recording_id', context.recordingId);
  } catch {
    state.stats.integrationErrors++;
  }
};

/** Registers the span observer; returns the uninstall function. */
export function installOpenTelemetry(): () => void {
  loadOpenTelemetry();
  state.observers.push(annotateSpan);
  return () => {
    const at = state.observers.indexOf(annotateSpan);
    if (at !== -1) state.observers.splice(at, 1);
  };
}
