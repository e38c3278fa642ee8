// C0 and C1 control characters (ESC, CR, LF, NUL…): matching them is the point here.
// biome-ignore lint/suspicious/noControlCharactersInRegex: deliberate.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: deliberate.
const CONTROL_RUNS = /[\u0000-\u001f\u007f-\u009f]+/g;

/** Whether `text` holds any control character. */
export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/** Remote or untrusted text made safe for one diagnostic line: no control characters, bounded. */
export function printable(text: string, max = 300): string {
  const flat = text.replace(CONTROL_RUNS, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
