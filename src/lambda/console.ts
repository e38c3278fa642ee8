import fs from 'node:fs';
import { format } from 'node:util';
import { addBreadcrumb } from '../core/breadcrumbs.js';
import { tagsOf } from '../core/fields.js';
import { capabilityState, state } from '../core/state.js';
import { kPrefix } from '../core/symbols.js';

// The managed Node.js runtime (aws-lambda-ric) replaces console.* with functions that
// format one record per call — `time\trequestId\tLEVEL\tmessage` or a JSON object — and
// write it either as one frame to the telemetry fd (fs.writeSync: a 16-byte header, then
// the message) or as one line to stdout (newlines turned into \r). Each call is one
// CloudWatch event, so the tag goes into the call's message, once, and the stream patch
// is kept out of it. In JSON format the ids are also added as fields of the record.

const METHODS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
const LEVELS: Record<(typeof METHODS)[number], string> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'error',
};
// A frame header: 0xa55a000X type, int32 length, int64 µs timestamp, big-endian.
const FRAME_HEADER_SIZE = 16;
const FRAME_MAGIC = 0xa55a0000;
const FRAME_JSON = 2;

interface LambdaConsoleState {
  /** While a tagged console call of JSON format runs: `,"tag":"value"…` to add to its record. */
  fields: string | undefined;
  /** A telemetry frame header held until its message is seen (its length may change). */
  header: { fd: number; bytes: Buffer } | undefined;
}

function consoleState(): LambdaConsoleState {
  return capabilityState('lambdaConsole', () => ({ fields: undefined, header: undefined }));
}

/**
 * Whether console.* is the Lambda runtime's own: it runs under a Runtime API and has made
 * `console.log` the same function as `console.info` (Node's console never does).
 */
export function isLambdaConsole(): boolean {
  const c = console as unknown as Record<string, unknown>;
  return (
    process.env.AWS_LAMBDA_RUNTIME_API !== undefined &&
    typeof c.log === 'function' &&
    c.log === c.info
  );
}

/** The runtime's record format, as it reads it: JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`. */
export function lambdaLogFormat(): 'JSON' | 'TEXT' {
  return process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON' ? 'JSON' : 'TEXT';
}

/** Adds the tag to a console call's arguments as the first words of its message. */
export function tagArguments(prefix: string, args: unknown[]): unknown[] {
  const first = args[0];
  if (typeof first === 'string') {
    // With more arguments the first is a format string: a literal % must stay literal.
    const tag = args.length > 1 && prefix.includes('%') ? prefix.replaceAll('%', '%%') : prefix;
    const out = args.slice();
    out[0] = tag + first;
    return out;
  }
  // An object or error: a format string of its own; the runtime reads an Error argument
  // for its errorType / errorMessage / stackTrace fields either way.
  return [prefix.trimEnd().replaceAll('%', '%%'), ...args];
}

/** `{…}` → `{…,"tag":"value"}`: the ids as fields of one JSON record; other text unchanged. */
export function withFields(record: string, fields: string): string {
  let end = record.length;
  while (end > 0 && (record.charCodeAt(end - 1) === 0x0a || record.charCodeAt(end - 1) === 0x0d))
    end--;
  if (record.charCodeAt(0) !== 0x7b || record.charCodeAt(end - 1) !== 0x7d) return record;
  const empty = end === 2;
  return `${record.slice(0, end - 1)}${empty ? fields.slice(1) : fields}}${record.slice(end)}`;
}

function fieldsOf(context: Parameters<typeof tagsOf>[0]): string | undefined {
  const json = JSON.stringify(tagsOf(context).fields);
  return json === '{}' ? undefined : `,${json.slice(1, -1)}`;
}

function wrapMethod(original: (...args: unknown[]) => void, level: string, json: boolean) {
  const slot = consoleState();
  return function replaylinkLambdaConsole(this: unknown, ...args: unknown[]): void {
    const context = state.als.getStore();
    const prefix = context?.[kPrefix];
    if (!prefix) return void Reflect.apply(original, this, args);
    if (context!.recordingId !== undefined) {
      try {
        addBreadcrumb(context, level, format(...args));
      } catch {
        // A hostile argument (throwing inspect) must not break the application's logging.
      }
    }
    slot.fields = json ? fieldsOf(context!) : undefined;
    try {
      // Outside the context: the stream patch must not stamp or keep the line a second time.
      state.als.exit(() => Reflect.apply(original, this, tagArguments(prefix, args)));
    } finally {
      slot.fields = undefined;
      const held = slot.header;
      slot.header = undefined;
      // A header whose message never came goes out as it was (fields unset: passed through).
      if (held !== undefined) fs.writeSync(held.fd, held.bytes);
    }
  };
}

/** fs.writeSync while a JSON record is written to the telemetry fd: fields added, length fixed. */
function patchWriteSync(slot: LambdaConsoleState): () => void {
  const original = fs.writeSync;
  const patched = function (this: unknown, fd: number, data: unknown, ...rest: unknown[]) {
    const fields = slot.fields;
    if (fields === undefined || !(data instanceof Uint8Array))
      return Reflect.apply(original, this, [fd, data, ...rest]);
    const held = slot.header;
    if (held === undefined) {
      if (
        data.length === FRAME_HEADER_SIZE &&
        Buffer.from(data.buffer, data.byteOffset, 4).readUInt32BE(0) >>> 16 === FRAME_MAGIC >>> 16
      ) {
        slot.header = { fd, bytes: Buffer.from(data) };
        return FRAME_HEADER_SIZE;
      }
      return Reflect.apply(original, this, [fd, data, ...rest]);
    }
    slot.header = undefined;
    let message = data;
    if (held.fd === fd && (held.bytes.readUInt32BE(0) & 3) === FRAME_JSON) {
      message = Buffer.from(withFields(Buffer.from(data).toString('utf8'), fields), 'utf8');
      held.bytes.writeInt32BE(message.length, 4);
    }
    Reflect.apply(original, this, [held.fd, held.bytes]);
    Reflect.apply(original, this, [fd, message]);
    return data.length;
  } as typeof fs.writeSync;
  fs.writeSync = patched;
  return () => {
    if (fs.writeSync === patched) fs.writeSync = original;
  };
}

/** process.stdout.write while a JSON record is written as a line (no telemetry fd). */
function patchStdout(slot: LambdaConsoleState): () => void {
  const stream = process.stdout;
  const original = stream.write;
  const patched = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
    const fields = slot.fields;
    const out =
      fields !== undefined && typeof chunk === 'string' ? withFields(chunk, fields) : chunk;
    return Reflect.apply(original, this, [out, ...rest]);
  } as typeof stream.write;
  stream.write = patched;
  return () => {
    if (stream.write === patched) stream.write = original;
  };
}

/**
 * Wraps the Lambda runtime's console functions so that each call made inside a context
 * carries the tag once in its message (and, in JSON format, the ids as fields). Returns the
 * uninstall function. Install it beneath any other console wrapper (forwarding), so that
 * what is forwarded is the application's text, not the tag.
 */
export function installLambdaConsole(): () => void {
  const slot = consoleState();
  const json = lambdaLogFormat() === 'JSON';
  const c = console as unknown as Record<string, (...args: unknown[]) => void>;
  const originals = new Map<string, (...args: unknown[]) => void>();
  const logIsInfo = c.log === c.info;
  for (const method of METHODS) {
    const original = c[method];
    if (typeof original !== 'function') continue;
    originals.set(method, original);
    c[method] = wrapMethod(original, LEVELS[method], json);
  }
  if (logIsInfo) {
    originals.set('log', c.log!);
    c.log = c.info!;
  }
  const undo = json ? [patchWriteSync(slot), patchStdout(slot)] : [];
  return () => {
    for (const restore of undo.reverse()) restore();
    for (const [method, original] of originals) c[method] = original;
  };
}
