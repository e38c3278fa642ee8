import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidOption } from '../core/errors.js';
import { unknownOption } from '../core/suggest.js';
import { clfEscaper, ESCAPERS, type EscapeName, type Escaper } from './escape.js';
import { isPreset, PRESETS, type PresetName } from './presets.js';
import { SUPPORTED_NAMES, type VariableSettings, variableFor } from './variables.js';

/** Something with a `write(text)` method: a Writable, a file stream, `process.stdout`. */
export interface LineWritable {
  write(chunk: string): unknown;
}

/** The `accessLog` option of every adapter. */
export interface AccessLogOptions {
  /**
   * `'clf'`, `'json'`, `'xml'`, `'csv'` (API Gateway's presets) or a one-line template
   * of `$context.<name>` variables.
   */
  format: PresetName | (string & {});
  /**
   * Escaping of values in a custom template. Default: `json` when it starts with `{`,
   * `xml` when it starts with `<`, else `text`. Presets always use their own.
   */
  escape?: EscapeName;
  /** Where lines go: a Writable (gets `line + "\n"`) or a function (gets the line). Default stdout. */
  stream?: LineWritable | ((line: string) => void);
  /** `$context.stage`, e.g. `prod`. */
  stage?: string;
  /** `$context.apiId`, e.g. the service name. */
  apiId?: string;
  /** `$context.identity.user`, e.g. the signed-in user id. */
  user?: (req: IncomingMessage) => unknown;
  /** `$context.identity.caller`, e.g. the calling service. */
  caller?: (req: IncomingMessage) => unknown;
  /** `$context.identity.apiKeyId`: an id naming the API key, never the key itself. */
  apiKeyId?: (req: IncomingMessage) => unknown;
  /** An object whose properties `$context.authorizer.<property>` reads. */
  authorizer?: (req: IncomingMessage) => unknown;
  /**
   * A value for any `$context` variable, by name, e.g.
   * `{ 'identity.accountId': (req) => req.user?.account }`. It replaces replaylink's own
   * value; what the callback returns is escaped like every other value.
   */
  values?: Readonly<Record<string, (req: IncomingMessage) => unknown>>;
  /**
   * Return `true` to write no line for this request (health checks, static files). Called
   * when the response ends, so `res.statusCode` is known. A throwing `skip` logs the line.
   */
  skip?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface ResolvedAccessLog {
  readonly template: string;
  readonly escaper: Escaper;
  readonly sink: (line: string) => void;
  readonly settings: VariableSettings;
  readonly skip: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
}

const KEYS = [
  'format',
  'escape',
  'stream',
  'stage',
  'apiId',
  'user',
  'caller',
  'apiKeyId',
  'authorizer',
  'values',
  'skip',
];
const CALLBACKS = ['user', 'caller', 'apiKeyId', 'authorizer'] as const;
const FORMATS = `"clf", "json", "xml", "csv" or a one-line template of $context variables`;

function pickFormat(input: Record<string, unknown>): { template: string; escaper: Escaper } {
  const { format, escape: escaping } = input;
  if (typeof format !== 'string' || format.trim() === '')
    throw invalidOption('accessLog.format', format, FORMATS);
  if (
    escaping !== undefined &&
    !(typeof escaping === 'string' && Object.hasOwn(ESCAPERS, escaping))
  )
    throw invalidOption('accessLog.escape', escaping, '"json", "xml", "csv" or "text"');
  if (isPreset(format))
    return { template: PRESETS[format], escaper: format === 'clf' ? clfEscaper : ESCAPERS[format] };
  const start = format.trimStart()[0];
  const detected: EscapeName = start === '{' ? 'json' : start === '<' ? 'xml' : 'text';
  return { template: format, escaper: ESCAPERS[(escaping as EscapeName | undefined) ?? detected] };
}

/** morgan's predefined formats, and the preset that writes the nearest line. */
const MORGAN_NAMES: Record<string, PresetName> = {
  combined: 'clf',
  common: 'clf',
  dev: 'clf',
  short: 'clf',
  tiny: 'csv',
};

/** A format with no `$context` variable would print itself on every request. */
export function notATemplate(format: string) {
  const preset = Object.hasOwn(MORGAN_NAMES, format) ? MORGAN_NAMES[format] : undefined;
  const hint =
    preset !== undefined
      ? `"${format}" is a morgan format name, not a template; the closest preset is "${preset}" (format: '${preset}')`
      : `${FORMATS} — a template needs at least one variable, e.g. '$context.status $context.routeKey'`;
  return invalidOption('accessLog.format', format, hint);
}

function pickSkip(value: unknown): ResolvedAccessLog['skip'] {
  if (value === undefined || typeof value === 'function') return value as ResolvedAccessLog['skip'];
  throw invalidOption('accessLog.skip', value, 'a function (req, res) => boolean');
}

function pickSink(stream: unknown): (line: string) => void {
  // process.stdout is looked up per line, so a later patch or redirect is honoured.
  if (stream === undefined) return (line) => process.stdout.write(`${line}\n`);
  if (typeof stream === 'function') return (line) => void stream(line);
  const write = (stream as LineWritable | null)?.write;
  if (typeof stream === 'object' && typeof write === 'function')
    return (line) => void (stream as LineWritable).write(`${line}\n`);
  throw invalidOption('accessLog.stream', stream, 'a Writable stream or a function (line) => void');
}

function pickText(input: Record<string, unknown>, key: 'stage' | 'apiId'): string | undefined {
  const value = input[key];
  if (value === undefined || typeof value === 'string') return value;
  throw invalidOption(`accessLog.${key}`, value, 'a string');
}

function pickCallback(input: Record<string, unknown>, key: (typeof CALLBACKS)[number]) {
  const value = input[key];
  if (value === undefined || typeof value === 'function')
    return value as ((req: IncomingMessage) => unknown) | undefined;
  throw invalidOption(`accessLog.${key}`, value, 'a function (req) => value');
}

function pickValues(input: unknown): ReadonlyMap<string, (req: IncomingMessage) => unknown> {
  const values = new Map<string, (req: IncomingMessage) => unknown>();
  if (input === undefined) return values;
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalidOption('accessLog.values', input, `an object of functions by variable name`);
  for (const [name, fn] of Object.entries(input)) {
    if (variableFor(name) === undefined)
      throw invalidOption(
        `accessLog.values.${name}`,
        fn,
        `a $context variable name (${SUPPORTED_NAMES.join(', ')})`,
      );
    if (typeof fn !== 'function')
      throw invalidOption(`accessLog.values.${name}`, fn, 'a function (req) => value');
    values.set(name, fn as (req: IncomingMessage) => unknown);
  }
  return values;
}

/** Validates the `accessLog` option at set-up. */
export function resolveAccessLogOptions(input: unknown): ResolvedAccessLog {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalidOption('accessLog', input, `an object such as { format: 'json' }`);
  const options = input as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!KEYS.includes(key))
      throw invalidOption(`accessLog.${key}`, options[key], unknownOption(key, KEYS.join(', ')));
  }
  return {
    ...pickFormat(options),
    sink: pickSink(options.stream),
    skip: pickSkip(options.skip),
    settings: {
      stage: pickText(options, 'stage'),
      apiId: pickText(options, 'apiId'),
      user: pickCallback(options, 'user'),
      caller: pickCallback(options, 'caller'),
      apiKeyId: pickCallback(options, 'apiKeyId'),
      authorizer: pickCallback(options, 'authorizer'),
      values: pickValues(options.values),
    },
  };
}
