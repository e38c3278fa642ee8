import { ACTIVE_WINDOW_MS, type SessionData } from './session.js';

export type AttributeValue = string | number | boolean | null;

/** One searchable attribute: its API name and how to read it from a session. */
export interface Attribute {
  readonly name: string;
  get(session: SessionData, now: number, liveWindowMs: number): AttributeValue;
}

const field = (name: keyof SessionData): Attribute => ({
  name,
  get: (s) => s[name] as AttributeValue,
});
const constant = (name: string, value: AttributeValue): Attribute => ({ name, get: () => value });

const FIELDS: Attribute[] = [
  field('pageTitle'),
  field('sessionID'),
  field('userID'),
  field('userUUID'),
  field('projectKey'),
  constant('revID', null),
  field('timestamp'),
  constant('trackerVersion', null),
  constant('isSnippet', false),
  field('userOs'),
  field('userBrowser'),
  field('userBrowserVersion'),
  field('userDevice'),
  field('userDeviceType'),
  field('userCountry'),
  { name: 'active', get: (s, now) => now - s.timestamp <= ACTIVE_WINDOW_MS },
  { name: 'live', get: (s, now, window) => now - s.timestamp <= window },
  constant('projectId', null),
  field('startTs'),
  field('requests'),
];

// Lower-cased name → attribute. A Map, so `__proto__` or `constructor` find nothing.
const BY_NAME = new Map<string, Attribute>(FIELDS.map((a) => [a.name.toLowerCase(), a]));
// The filter names OpenReplay's documentation uses for fields named otherwise.
BY_NAME.set('useranonymousid', BY_NAME.get('useruuid')!);
BY_NAME.set('platform', BY_NAME.get('userdevicetype')!);

/** Every name a filter `type` accepts, for error messages. */
export const TYPE_NAMES: readonly string[] = [
  ...FIELDS.map((a) => a.name),
  'userAnonymousId',
  'platform',
  'METADATA',
];

/** The metadata attribute named `source` (`type: "METADATA"` in a filter). */
export function metadataAttribute(source: string): Attribute {
  return {
    name: `metadata.${source}`,
    get: (s) => (Object.hasOwn(s.metadata, source) ? (s.metadata[source] ?? null) : null),
  };
}

/** Whether `type` names the metadata pseudo-attribute (case-insensitive). */
export function isMetadataType(type: string): boolean {
  return type.toLowerCase() === 'metadata';
}

/**
 * Resolves an attribute name as a filter `type`, `sort` or autocomplete `key` gives it:
 * case-insensitive, exact (no substring guessing), with OpenReplay's aliases.
 */
export function resolveAttribute(type: string, source?: string): Attribute | undefined {
  if (isMetadataType(type)) return source === undefined ? undefined : metadataAttribute(source);
  return BY_NAME.get(type.toLowerCase());
}
