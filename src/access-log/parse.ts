import { ReplayLinkError } from '../core/errors.js';

/** One `$context.<name>` reference in a template. */
export interface VariablePart {
  readonly name: string;
}

/** A parsed template: literal text and variable references, in order. */
export type TemplatePart = string | VariablePart;

const MARKER = '$context.';
// A name is dot-separated words; a trailing dot is text (`… $context.status.`).
const NAME = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
// Control characters other than tab, and Unicode line/paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
const FORBIDDEN = /[\u0000-\u0008\u000a-\u001f\u007f\u2028\u2029]/;

function templateError(message: string, supported: readonly string[]): ReplayLinkError {
  return new ReplayLinkError(
    'ERR_REPLAYLINK_INVALID_OPTION',
    `replaylink: option "accessLog.format" ${message}; supported variables: ${supported
      .map((name) => `$context.${name}`)
      .join(', ')}`,
  );
}

function refuseControl(template: string, supported: readonly string[]): void {
  const match = FORBIDDEN.exec(template);
  if (match === null) return;
  const code = match[0].charCodeAt(0).toString(16).padStart(4, '0');
  const what = match[0] === '\n' || match[0] === '\r' ? 'a line break' : `character U+${code}`;
  throw templateError(
    `has ${what} at offset ${match.index}; a format is one line (a trailing "\\n" is allowed)`,
    supported,
  );
}

/**
 * Splits a template into literal text and `$context.<name>` references. Runs once, at
 * set-up; values are never parsed, so template syntax inside a value stays text.
 * `isKnown` decides which names exist; an unknown name or a multi-line template throws
 * a `ReplayLinkError` listing `supported`.
 */
export function parseTemplate(
  template: string,
  isKnown: (name: string) => boolean,
  supported: readonly string[],
): TemplatePart[] {
  const body = template.endsWith('\n') ? template.slice(0, -1) : template;
  refuseControl(body, supported);
  const parts: TemplatePart[] = [];
  let literal = '';
  let at = 0;
  while (at < body.length) {
    const found = body.indexOf(MARKER, at);
    if (found === -1) break;
    literal += body.slice(at, found);
    NAME.lastIndex = found + MARKER.length;
    const name = NAME.exec(body)?.[0];
    if (name === undefined || !isKnown(name)) {
      throw templateError(`uses unknown variable "$context.${name ?? ''}"`, supported);
    }
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push({ name });
    at = NAME.lastIndex;
  }
  literal += body.slice(at);
  if (literal !== '') parts.push(literal);
  return parts;
}
