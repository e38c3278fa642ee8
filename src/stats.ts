/** Counters behind `stats()`. Plain numbers: incremented on hot paths, copied on read. */
export interface Stats {
  /** Request contexts entered. */
  contexts: number;
  /** Id header values that were present but rejected and treated as absent. */
  invalidHeaders: {
    sessionToken: number;
    recordingId: number;
    requestId: number;
    sessionId: number;
  };
  /** Lines that received a tag. */
  stampedWrites: number;
  /** Outgoing requests to allowlisted origins that were given the id headers. */
  propagated: number;
  /** Outgoing requests whose id headers could not be added (see `debug`). */
  propagationErrors: number;
  /** Failures inside optional integrations (OpenTelemetry), never thrown into the app. */
  integrationErrors: number;
}

export function createStats(): Stats {
  return {
    contexts: 0,
    invalidHeaders: { sessionToken: 0, recordingId: 0, requestId: 0, sessionId: 0 },
    stampedWrites: 0,
    propagated: 0,
    propagationErrors: 0,
    integrationErrors: 0,
  };
}

export function snapshotStats(stats: Stats): Stats {
  return structuredClone(stats);
}
