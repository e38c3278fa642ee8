import { format } from 'node:util';

// Safe conversions of untrusted values (thrown things, user metadata) into text.
// Never throws: hostile getters, toJSON, cycles, BigInt and deep nesting all degrade.

const SECRET_KEY =
  /pass(word|wd|phrase)?|secret|token|api[-_]?key|auth|cookie|session[-_]?id|credential|private[-_]?key|signature/i;
const MAX_DEPTH = 8;
const MAX_KEYS = 200;
const MAX_STRING = 16 * 1024;

export const REDACTED = '[redacted]';

/** Whether a metadata key looks like it holds a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Cuts `text` to `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function read(target: object, key: string): unknown {
  try {
    return (target as Record<string, unknown>)[key];
  } catch {
    return '[unreadable]';
  }
}

function copy(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return truncate(value, MAX_STRING);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return undefined;
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function ${value.name || 'anonymous'}]`;
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Object]';
  seen.add(object);
  try {
    if (object instanceof Error) return copyError(object, depth, seen);
    if (object instanceof Date)
      return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
    if (Array.isArray(object)) {
      return object.slice(0, MAX_KEYS).map((item) => copy(item, depth + 1, seen) ?? null);
    }
    const toJSON = read(object, 'toJSON');
    if (typeof toJSON === 'function') {
      try {
        return copy(toJSON.call(object), depth + 1, seen);
      } catch {
        return '[toJSON threw]';
      }
    }
    return copyObject(object, depth, seen);
  } finally {
    seen.delete(object);
  }
}

function copyObject(object: object, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  // defineProperty, not assignment: a "__proto__" key stays data and never touches a prototype.
  const out: Record<string, unknown> = {};
  let keys: string[];
  try {
    keys = Object.keys(object).slice(0, MAX_KEYS);
  } catch {
    return { '[unreadable]': true };
  }
  for (const key of keys) {
    const item = isSecretKey(key) ? REDACTED : copy(read(object, key), depth + 1, seen);
    if (item === undefined) continue;
    Object.defineProperty(out, key, {
      value: item,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function copyError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out = copyObject(error, depth, seen);
  out.name = textOf(read(error, 'name'), 'Error');
  out.message = textOf(read(error, 'message'), '');
  return out;
}

function textOf(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/**
 * JSON text of any value: cycles become "[Circular]", secret-looking keys "[redacted]",
 * BigInt a string; hostile getters and `toJSON` cannot make it throw.
 */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(copy(value, 0, new WeakSet())) ?? 'null';
  } catch {
    return '"[unserializable]"';
  }
}

function isPlainData(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  try {
    if (Array.isArray(value)) return true;
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  } catch {
    return false; // a Proxy whose trap throws: util.format copes with it
  }
}

/**
 * The text of a log call's arguments: a lone plain object or array as JSON (redacted,
 * cycles and BigInt made safe), so the player shows it as a tree; anything else as
 * `console.log` would print it.
 */
export function logText(args: readonly unknown[]): string {
  if (args.length === 1 && isPlainData(args[0])) return jsonWithin(safeJson(args[0]), MAX_JSON);
  return format(...args);
}

// The payload cap of an event; JSON past it is cut as a string, so it stays JSON.
const MAX_JSON = 64 * 1024;

/** `json` if it fits in `max` characters, else its beginning as a JSON string that fits. */
function jsonWithin(json: string, max: number): string {
  if (json.length <= max) return json;
  // Escaping can grow the cut text (quotes, control characters): halve until it fits.
  for (let cut = max - 64; cut > 0; cut = Math.floor(cut / 2)) {
    const wrapped = JSON.stringify({ truncated: true, json: json.slice(0, cut) });
    if (wrapped.length <= max) return wrapped;
  }
  return '{"truncated":true}';
}

/** `Name: message` of a thrown value, for an event title. */
export function titleOf(thrown: unknown): string {
  if (thrown instanceof Error) {
    const name = textOf(read(thrown, 'name'), 'Error');
    const message = textOf(read(thrown, 'message'), '');
    return message ? `${name}: ${message}` : name;
  }
  if (typeof thrown === 'string') return `Non-Error thrown: ${thrown}`;
  return `Non-Error thrown: ${safeJson(thrown)}`;
}

/** Stack trace of a thrown value with its `cause` chain, or a safe rendering of a non-Error. */
export function stackOf(thrown: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = thrown;
  while (current !== undefined && !seen.has(current) && parts.length < 8) {
    seen.add(current);
    if (current instanceof Error) {
      const stack = read(current, 'stack');
      parts.push(typeof stack === 'string' && stack ? stack : titleOf(current));
      current = read(current, 'cause');
    } else {
      parts.push(typeof current === 'string' ? current : safeJson(current));
      break;
    }
  }
  return parts.join('\nCaused by: ');
}
