import { createRequire } from 'node:module';
import type UAParserType from 'ua-parser-js';

/** The user-agent fields of a live session. */
export interface ParsedAgent {
  readonly userOs: string | null;
  readonly userBrowser: string | null;
  readonly userBrowserVersion: string | null;
  readonly userDevice: string | null;
  /** `mobile`, `tablet`, … as the parser names it; `desktop` when it names none. */
  readonly userDeviceType: string;
}

const UNKNOWN: ParsedAgent = Object.freeze({
  userOs: null,
  userBrowser: null,
  userBrowserVersion: null,
  userDevice: null,
  userDeviceType: 'desktop',
});

// Browsers send a handful of distinct user agents; parse each once.
const CACHE_SIZE = 512;
const cache = new Map<string, ParsedAgent>();
// ua-parser-js itself cuts at 500 characters; cut before caching so the key is bounded.
const MAX_LENGTH = 512;

// Loaded on the first user agent parsed, not at import: most processes never parse one.
let UAParser: typeof UAParserType | undefined;

function parse(ua: string): ParsedAgent {
  UAParser ??= createRequire(import.meta.url)('ua-parser-js') as typeof UAParserType;
  const r = new UAParser(ua).getResult();
  return Object.freeze({
    userOs: r.os.name ?? null,
    userBrowser: r.browser.name ?? null,
    userBrowserVersion: r.browser.version ?? null,
    userDevice: r.device.model ?? null,
    userDeviceType: r.device.type ?? 'desktop',
  });
}

/** Parses a `User-Agent` header value, from a small cache when seen before. */
export function parseAgent(header: string | undefined): ParsedAgent {
  if (header === undefined || header === '') return UNKNOWN;
  const ua = header.length > MAX_LENGTH ? header.slice(0, MAX_LENGTH) : header;
  let parsed = cache.get(ua);
  if (parsed !== undefined) return parsed;
  try {
    parsed = parse(ua);
  } catch {
    parsed = UNKNOWN;
  }
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(ua, parsed);
  return parsed;
}
