/**
 * Per-format escaping of values before they land in an access-log line. Every escaper
 * keeps the line one line: no raw line break or control character (ESC included) is
 * ever written. Each has a fast path for the common all-safe value.
 */
export interface Escaper {
  /** Escapes a value placed where the template author put it (inside quotes, a tag…). */
  value(value: string): string;
  /** A value that carries its own quotes (`$context.error.messageString`). */
  quoted(value: string): string;
  /** A value outside `"…"` and `[…]`, where a space would start a new field. */
  bare(value: string): string;
}

// C0 and C1 controls, DEL, Unicode line separators, bidi overrides, lone surrogates.
const UNSAFE_CHARS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const LONE_SURROGATE =
  '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';

const hex = (code: number, width: number) => code.toString(16).padStart(width, '0');

/** `\n`, `\r`, `\t`, `\xHH` or `\uHHHH`: Apache's way of showing a control character. */
function visible(ch: string): string {
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
}

/**
 * Printable ASCII without a quote or a backslash: safe in every format but XML, and
 * what almost every value is. A loop over char codes answers faster than the pattern.
 */
function plainAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

const TEXT_UNSAFE = new RegExp(`["\\\\${UNSAFE_CHARS}]|${LONE_SURROGATE}`);
const TEXT_UNSAFE_ALL = new RegExp(TEXT_UNSAFE.source, 'g');

/** Plain text, as Apache writes request fields: `\"`, `\\` and visible control codes. */
export const textEscaper: Escaper = {
  value(value) {
    if (plainAscii(value) || !TEXT_UNSAFE.test(value)) return value;
    return value.replace(TEXT_UNSAFE_ALL, (ch) =>
      ch === '"' || ch === '\\' ? `\\${ch}` : visible(ch),
    );
  },
  quoted(value) {
    return `"${textEscaper.value(value)}"`;
  },
  bare: (value) => textEscaper.value(value),
};

// Every character a reader may split fields on: JavaScript's `\s` is Unicode's White_Space
// set (NBSP, U+2003, U+3000, …) plus U+FEFF, so a reader splitting on any of them agrees.
const SEPARATOR = /\s/;
const SEPARATOR_ALL = /\s/g;

/**
 * The CLF preset's fields are split on whitespace: a value outside `"…"` and `[…]` also has
 * every whitespace character written visibly (`\x20`, `\u00a0`, …), so a user name with a
 * space of any kind cannot shift the fields.
 */
export const clfEscaper: Escaper = {
  value: textEscaper.value,
  quoted: textEscaper.quoted,
  bare(value) {
    const escaped = textEscaper.value(value);
    if (plainAscii(escaped))
      return escaped.includes(' ') ? escaped.replaceAll(' ', '\\x20') : escaped;
    return SEPARATOR.test(escaped) ? escaped.replace(SEPARATOR_ALL, visible) : escaped;
  },
};

const JSON_UNSAFE = new RegExp(`["\\\\${UNSAFE_CHARS}]|${LONE_SURROGATE}`);
const JSON_EXTRA = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The inside of a JSON string. `JSON.stringify` handles quotes, C0 and lone surrogates. */
export const jsonEscaper: Escaper = {
  value(value) {
    if (plainAscii(value) || !JSON_UNSAFE.test(value)) return value;
    return JSON.stringify(value)
      .slice(1, -1)
      .replace(JSON_EXTRA, (ch) => `\\u${hex(ch.charCodeAt(0), 4)}`);
  },
  quoted(value) {
    return `"${jsonEscaper.value(value)}"`;
  },
  bare: (value) => jsonEscaper.value(value),
};

const XML_UNSAFE = new RegExp(`[&<>"'${UNSAFE_CHARS}\\ufffe\\uffff]|${LONE_SURROGATE}`);
const XML_UNSAFE_ALL = new RegExp(XML_UNSAFE.source, 'g');
const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

function xmlChar(ch: string): string {
  const entity = XML_ENTITIES[ch];
  if (entity !== undefined) return entity;
  const code = ch.charCodeAt(0);
  // XML 1.0 allows tab, LF and CR (kept as references so the line stays one line);
  // other C0 controls, U+FFFE/U+FFFF and lone surrogates are not characters at all.
  if (code === 0x09 || code === 0x0a || code === 0x0d) return `&#${code};`;
  if (code < 0x20 || code === 0xfffe || code === 0xffff || (code >= 0xd800 && code <= 0xdfff))
    return '\ufffd';
  return `&#x${hex(code, 2)};`;
}

/** XML text or attribute content (XML 1.0). */
export const xmlEscaper: Escaper = {
  value(value) {
    return XML_UNSAFE.test(value) ? value.replace(XML_UNSAFE_ALL, xmlChar) : value;
  },
  quoted(value) {
    return `"${xmlEscaper.value(value)}"`;
  },
  bare: (value) => xmlEscaper.value(value),
};

const CSV_CONTROL = new RegExp(`[${UNSAFE_CHARS}]|${LONE_SURROGATE}`);
const CSV_CONTROL_ALL = new RegExp(CSV_CONTROL.source, 'g');
const CSV_QUOTE = /[",]/;
// A spreadsheet runs a cell that starts with one of these as a formula (OWASP CSV injection).
const FORMULA_START = /^[=+\-@]/;

function csvField(value: string, quote: boolean): string {
  // RFC 4180 could keep a line break inside quotes, but one record must stay one line.
  let field = CSV_CONTROL.test(value) ? value.replace(CSV_CONTROL_ALL, visible) : value;
  if (FORMULA_START.test(field)) field = `'${field}`;
  if (!quote && !CSV_QUOTE.test(field)) return field;
  return `"${field.replaceAll('"', '""')}"`;
}

/** One RFC 4180 field, quoted when needed, with a guard against formula injection. */
export const csvEscaper: Escaper = {
  value: (value) => csvField(value, false),
  quoted: (value) => csvField(value, true),
  bare: (value) => csvField(value, false),
};

export type EscapeName = 'json' | 'xml' | 'csv' | 'text';

export const ESCAPERS: Readonly<Record<EscapeName, Escaper>> = {
  json: jsonEscaper,
  xml: xmlEscaper,
  csv: csvEscaper,
  text: textEscaper,
};
