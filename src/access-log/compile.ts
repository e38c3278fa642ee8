import type { Escaper } from './escape.js';
import type { TemplatePart } from './parse.js';
import type { AccessRecord } from './record.js';
import { type Variable, type VariableSettings, variableFor } from './variables.js';

/** Turns one record into one line (without the newline). */
export type Formatter = (record: AccessRecord) => string;

const ABSENT = '-';

/** What encloses the text after `literal` (`"`, `[` or nothing), given what enclosed it before. */
function enclosingAfter(literal: string, before: string): string {
  let open = before;
  for (const ch of literal) {
    if (open === '' && (ch === '"' || ch === '[')) open = ch;
    else if ((open === '"' && ch === '"') || (open === '[' && ch === ']')) open = '';
  }
  return open;
}

type Write = (value: string) => string;

/**
 * Compiles parsed parts into a closure over two arrays: literals[i] precedes readers[i],
 * and one literal closes the line. No source text is generated from the template.
 */
export function compileTemplate(
  parts: readonly TemplatePart[],
  escaper: Escaper,
  settings: VariableSettings,
): Formatter {
  const literals: string[] = [''];
  const readers: Variable[] = [];
  // Decided here, once: whether each value sits inside quotes/brackets or stands bare.
  const writers: Write[] = [];
  let enclosing = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      literals[literals.length - 1] += part;
      enclosing = enclosingAfter(part, enclosing);
    } else {
      readers.push(variableFor(part.name, settings)!);
      writers.push(enclosing === '' ? escaper.bare : escaper.value);
      literals.push('');
    }
  }
  const first = literals[0]!;
  const count = readers.length;

  function render(i: number, record: AccessRecord): string {
    const variable = readers[i]!;
    const value = variable.read(record, settings);
    if (variable.quoted) return escaper.quoted(String(value));
    if (value === undefined) return ABSENT;
    return typeof value === 'number' ? String(value) : writers[i]!(value);
  }

  return (record) => {
    let line = first;
    for (let i = 0; i < count; i++) line += render(i, record) + literals[i + 1]!;
    return line;
  };
}
