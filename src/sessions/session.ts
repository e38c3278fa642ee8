/** What the user agent and the country header tell about a session's user. */
export interface UserFields {
  userOs: string | null;
  userBrowser: string | null;
  userBrowserVersion: string | null;
  userDevice: string | null;
  /** `desktop` when the parser knows no better. */
  userDeviceType: string;
  userCountry: string | null;
}

/**
 * What the registry and the stores keep about one live session. The raw session token is
 * never part of it: `sessionID` is OpenReplay's numeric id or a hash of the token.
 */
export interface SessionData extends UserFields {
  sessionID: string;
  projectKey: string;
  /** Last activity, Unix ms. */
  timestamp: number;
  /** First activity seen, Unix ms. */
  startTs: number;
  /** Requests seen for this session. */
  requests: number;
  pageTitle: string | null;
  userID: string | null;
  userUUID: string | null;
  /** Own string properties only; built on a null prototype. */
  metadata: Record<string, string>;
}

/** One session as the API returns it: the fields of OpenReplay's Assist API, in its order. */
export interface LiveSession extends UserFields {
  pageTitle: string | null;
  sessionID: string;
  metadata: Record<string, string>;
  userID: string | null;
  userUUID: string | null;
  projectKey: string;
  revID: null;
  timestamp: number;
  trackerVersion: null;
  isSnippet: false;
  active: boolean;
  live: boolean;
  projectId: null;
  startTs: number;
  requests: number;
}

/** A session counts as `active` while seen in the last 10 s (SPEC §6). */
export const ACTIVE_WINDOW_MS = 10_000;

/** The API shape of a session at `now`. */
export function toLiveSession(s: SessionData, now: number, liveWindowMs: number): LiveSession {
  return {
    pageTitle: s.pageTitle,
    sessionID: s.sessionID,
    metadata: { ...s.metadata },
    userID: s.userID,
    userUUID: s.userUUID,
    projectKey: s.projectKey,
    revID: null,
    timestamp: s.timestamp,
    trackerVersion: null,
    isSnippet: false,
    userOs: s.userOs,
    userBrowser: s.userBrowser,
    userBrowserVersion: s.userBrowserVersion,
    userDevice: s.userDevice,
    userDeviceType: s.userDeviceType,
    userCountry: s.userCountry,
    active: now - s.timestamp <= ACTIVE_WINDOW_MS,
    live: now - s.timestamp <= liveWindowMs,
    projectId: null,
    startTs: s.startTs,
    requests: s.requests,
  };
}

/** A plain copy of the {@link SessionData} fields of `s` (drops any internal fields). */
export function pickData(s: SessionData): SessionData {
  return {
    sessionID: s.sessionID,
    projectKey: s.projectKey,
    timestamp: s.timestamp,
    startTs: s.startTs,
    requests: s.requests,
    pageTitle: s.pageTitle,
    userID: s.userID,
    userUUID: s.userUUID,
    metadata: s.metadata,
    userOs: s.userOs,
    userBrowser: s.userBrowser,
    userBrowserVersion: s.userBrowserVersion,
    userDevice: s.userDevice,
    userDeviceType: s.userDeviceType,
    userCountry: s.userCountry,
  };
}
