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
}

export function createStats(): Stats {
  return {
    contexts: 0,
    invalidHeaders: { sessionToken: 0, recordingId: 0, requestId: 0, sessionId: 0 },
    stampedWrites: 0,
    liveSessions: {
      created: 0,
      evicted: 0,
      capped: 0,
      callbackErrors: 0,
      storeWrites: 0,
      storeErrors: 0,
      localReads: 0,
    },
  };
}

export function snapshotStats(stats: Stats): Stats {
  return structuredClone(stats);
}
