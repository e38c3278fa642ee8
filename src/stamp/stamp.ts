import { addBreadcrumb } from '../core/breadcrumbs.js';
import { setRawStderr } from '../core/diagnostics.js';
import { state } from '../core/state.js';
import { kPrefix } from '../core/symbols.js';

const NEWLINE = 0x0a;
const OUTSIDE = Object.freeze({});

/**
 * Puts `prefix` at the start of every non-empty line of `text`. The first line is
 * prefixed only when `stampFirst` (a write that continues its own line is not
 * stamped twice); a lone newline is left as it is.
 */
export function stampText(text: string, prefix: string, stampFirst: boolean): string {
  const first = text.indexOf('\n');
  // Common case: one line, with or without its newline.
  if (first === -1 || first === text.length - 1) {
    return stampFirst && first !== 0 ? prefix + text : text;
  }
  const lines = text.split('\n');
  let out = stampFirst && lines[0] !== '' ? prefix + lines[0] : lines[0]!;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    out += line === '' ? '\n' : `\n${prefix}${line}`;
  }
  return out;
}

/** Byte version of {@link stampText}, for Buffer writes (never re-decodes the bytes). */
export function stampBytes(bytes: Uint8Array, prefix: Buffer, stampFirst: boolean): Buffer {
  const parts: Uint8Array[] = [];
  let start = 0;
  let lineStart = stampFirst;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== NEWLINE) continue;
    const end = i < bytes.length ? i + 1 : i;
    if (end > start) {
      if (lineStart && bytes[start] !== NEWLINE) parts.push(prefix);
      parts.push(bytes.subarray(start, end));
    }
    start = end;
    lineStart = true;
  }
  return Buffer.concat(parts);
}

function endsWithNewline(chunk: unknown): boolean | undefined {
  if (typeof chunk === 'string')
    return chunk.length === 0 ? undefined : chunk.charCodeAt(chunk.length - 1) === NEWLINE;
  if (chunk instanceof Uint8Array)
    return chunk.length === 0 ? undefined : chunk[chunk.length - 1] === NEWLINE;
  return undefined;
}

function isTextEncoding(encoding: unknown): boolean {
  return (
    encoding === undefined ||
    typeof encoding === 'function' ||
    encoding === 'utf8' ||
    encoding === 'utf-8'
  );
}

type Write = NodeJS.WritableStream['write'];

/**
 * Whether a one-line string already carries this context's first tag, as a logger's
 * formatted record does (winston's format, pino's hook): stamping it again would show
 * the ids twice. Ids are validated, so only this request's own text can contain it.
 */
function alreadyTagged(chunk: unknown, prefix: string): boolean {
  if (typeof chunk !== 'string') return false;
  const newline = chunk.indexOf('\n');
  if (newline !== -1 && newline !== chunk.length - 1) return false;
  return chunk.includes(prefix.slice(0, prefix.indexOf(']') + 1));
}

/** Keeps a recorded request's write for its exception; text only, never the stamp. */
function keepBreadcrumb(
  context: Parameters<typeof addBreadcrumb>[0],
  level: string,
  chunk: unknown,
  encoding: unknown,
): void {
  if (typeof chunk === 'string') addBreadcrumb(context, level, chunk);
  else if (isTextEncoding(encoding) && chunk instanceof Uint8Array)
    addBreadcrumb(
      context,
      level,
      Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8', 0, 8192),
    );
}

/**
 * Wraps `stream.write` so that output written inside a context with ids is stamped.
 * Returns the uninstall function. Outside a context the original write is called with
 * the original arguments, so output is byte-for-byte unchanged.
 */
export function patchStream(stream: NodeJS.WriteStream, level = 'info'): () => void {
  const original = stream.write;
  // Who left the current line open: null at a line start, else a context or OUTSIDE.
  // Only the same context continuing its own line skips the tag; text from another
  // source (another request, a progress bar) is stamped where it starts.
  let openLine: object | null = null;
  let active = true;

  const write = function (this: unknown, chunk: unknown, encoding?: unknown): boolean {
    // biome-ignore lint/complexity/noArguments: passing `arguments` on avoids two arrays per write.
    const args = arguments;
    const context = active ? state.als.getStore() : undefined;
    const prefix = context?.[kPrefix];
    const ends = endsWithNewline(chunk);
    if (ends === undefined) return Reflect.apply(original, this, args);
    const stampFirst = openLine !== context || openLine === null;
    openLine = ends ? null : prefix ? context! : OUTSIDE;
    if (context?.recordingId !== undefined) keepBreadcrumb(context, level, chunk, encoding);
    if (!prefix || alreadyTagged(chunk, prefix)) return Reflect.apply(original, this, args);

    let stamped: unknown;
    if (typeof chunk === 'string' && isTextEncoding(encoding)) {
      stamped = stampText(chunk, prefix, stampFirst);
    } else {
      const bytes =
        typeof chunk === 'string'
          ? Buffer.from(chunk, encoding as BufferEncoding)
          : (chunk as Uint8Array);
      // Text in another encoding goes on as bytes: its encoding no longer applies.
      if (typeof chunk === 'string') args[1] = undefined;
      stamped = stampBytes(bytes, Buffer.from(prefix), stampFirst);
    }
    if (stamped !== chunk) state.stats.stampedWrites++;
    args[0] = stamped;
    return Reflect.apply(original, this, args);
  } as Write;

  stream.write = write;
  return () => {
    active = false;
    // Someone may have wrapped us since; then leave their wrapper and just go inert.
    if (stream.write === write) stream.write = original;
  };
}

/** Installs stamping on stdout and stderr; returns the uninstall function. */
export function installStamping(): () => void {
  const rawStderr = process.stderr.write;
  setRawStderr((text) => Reflect.apply(rawStderr, process.stderr, [text]));
  const undoOut = patchStream(process.stdout);
  const undoErr = patchStream(process.stderr, 'error');
  return () => {
    undoErr();
    undoOut();
  };
}
