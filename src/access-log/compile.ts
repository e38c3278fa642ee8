import type { Escaper } from './escape.js';
import type { TemplatePart } from './parse.js';
import type { AccessRecord } from './record.js';
import { type Variable, type VariableSettings, variableFor } from './variables.js';

/** Turns one record into one line (without the newline). */
export type Formatter = (record: AccessRecord) => string;

const ABSENT = '-';

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
  for (const part of parts) {
    if (typeof part === 'string') literals[literals.length - 1] += part;
    else {
      readers.push(variableFor(part.name)!);
      literals.push('');
    }
  }
  const first = literals[0]!;
  const count = readers.length;

  function render(variable: Variable, record: AccessRecord): string {
    const value = variable.read(record, settings);
    if (variable.quoted) return escaper.quoted(String(value));
    if (value === undefined) return ABSENT;
    return typeof value === 'number' ? String(value) : escaper.value(value);
  }

  return (record) => {
    let line = first;
    for (let i = 0; i < count; i++) line += render(readers[i]!, record) + literals[i + 1]!;
    return line;
  };
}
