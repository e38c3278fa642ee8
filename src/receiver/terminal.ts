// Characters a terminal acts on or hides: C0 and C1 controls (ESC, CSI, OSC…), DEL, the
// line and paragraph separators, zero-width and bidi formatting characters.
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function escapeOne(char: string): string {
  const code = char.charCodeAt(0);
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  if (char === '\t') return '\\t';
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Untrusted text made safe for one terminal line: every control, escape, invisible or
 * bidi character shown as its escape (`\x1b`, `\u202e`), the result cut to `max`
 * characters with `…`. A terminal shows it as it is, and acts on none of it.
 */
export function terminalText(text: string, max: number): string {
  const escaped = text.length > max * 8 ? text.slice(0, max * 8) : text;
  const safe = escaped.replace(UNSAFE, escapeOne);
  if (safe.length <= max) return safe;
  let cut = safe.slice(0, max - 1);
  // Never leave half of a surrogate pair (it would print as U+FFFD).
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
