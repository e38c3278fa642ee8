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
  /**
   * Requests that carried no usable id, so their lines are not stamped, by reason (what
   * `debug` explains for the first few). Counted with or without `debug`.
   */
  unstamped: {
    /** None of the id headers replaylink reads was sent. */
    noIdHeader: number;
    /** No id header, but one whose name looks like one (e.g. `openreplay-sessiontoken`). */
    nearMissHeader: number;
    /** An id header was sent with a value that was rejected (see `invalidHeaders`). */
    rejectedId: number;
  };
  /**
   * Requests that sent the session token under two header names with different values
   * (the configured name's value was kept).
   */
  tokenHeaderConflicts: number;
  /** Writes that received a tag. */
  stampedWrites: number;
  /** Events accepted into the send queue. */
  queued: number;
  /** Events the send API accepted (2xx and not `success: "false"`). */
  sent: number;
  /** Events that reached no success: the sum of `failures`. */
  failed: number;
  failures: {
    /** Connection refused, reset, DNS. */
    network: number;
    /** No full answer within `timeoutMs`. */
    timeout: number;
    /** 5xx answers. */
    server: number;
    /** 4xx answers (other than 429) and 2xx answers with `success: "false"`. */
    rejected: number;
  };
  /** Events not sent, by cause. Every event passed to the transport ends in exactly one of
   * `sent`, `failed` or `dropped.*`. */
  dropped: {
    queueFull: number;
    rateLimited: number;
    beforeSend: number;
    /** Raised outside a context with a recording id. */
    noRecordingId: number;
    /** Raised in a request whose recording id header was present but invalid. */
    invalidHeader: number;
    /** Raised with no api key configured. */
    noApiKey: number;
    /**
     * Given up on by `close(ms)`, by the exit drain at `shutdownTimeoutMs`, or raised after
     * `close()`.
     */
    closed: number;
  };
  /** Live sessions registry (`liveSessions` option). */
  liveSessions: {
    /** Sessions registered. */
    created: number;
    /** Sessions dropped, least recently seen first, to stay within `maxSessions`. */
    evicted: number;
    /** Metadata keys refused and values cut to the size caps. */
    capped: number;
    /** `identify` or `metadata` callbacks that threw. */
    callbackErrors: number;
    /** Sessions written to a shared store. */
    storeWrites: number;
    /** Shared store failures (connection, timeout, command); the registry kept serving. */
    storeErrors: number;
    /** API reads answered from local state because the shared store failed. */
    localReads: number;
  };
  /** Outgoing requests to allowlisted origins that were given the id headers. */
  propagated: number;
  /** Outgoing requests whose id headers could not be added (see `debug`). */
  propagationErrors: number;
  /** Failures inside optional integrations (OpenTelemetry), never thrown into the app. */
  integrationErrors: number;
  /** Access-log lines written, and lines or callbacks that failed (see `debug`). */
  accessLog: { lines: number; failures: number };
}

export function createStats(): Stats {
  return {
    contexts: 0,
    invalidHeaders: { sessionToken: 0, recordingId: 0, requestId: 0, sessionId: 0 },
    unstamped: { noIdHeader: 0, nearMissHeader: 0, rejectedId: 0 },
    tokenHeaderConflicts: 0,
    stampedWrites: 0,
    queued: 0,
    sent: 0,
    failed: 0,
    failures: { network: 0, timeout: 0, server: 0, rejected: 0 },
    dropped: {
      queueFull: 0,
      rateLimited: 0,
      beforeSend: 0,
      noRecordingId: 0,
      invalidHeader: 0,
      noApiKey: 0,
      closed: 0,
    },
    liveSessions: {
      created: 0,
      evicted: 0,
      capped: 0,
      callbackErrors: 0,
      storeWrites: 0,
      storeErrors: 0,
      localReads: 0,
    },
    propagated: 0,
    propagationErrors: 0,
    integrationErrors: 0,
    accessLog: { lines: 0, failures: 0 },
  };
}

export function snapshotStats(stats: Stats): Stats {
  return structuredClone(stats);
}
