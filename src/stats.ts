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
  /** Access-log lines written, and lines or callbacks that failed (see `debug`). */
  accessLog: { lines: number; failures: number };
}

export function createStats(): Stats {
  return {
    contexts: 0,
    invalidHeaders: { sessionToken: 0, recordingId: 0, requestId: 0, sessionId: 0 },
    stampedWrites: 0,
    accessLog: { lines: 0, failures: 0 },
  };
}

export function snapshotStats(stats: Stats): Stats {
  return structuredClone(stats);
}
