import { state } from './state.js';

/** Called by the stream patch with the write it wrapped, and again with the original on undo. */
export function setRawStderr(write: (text: string) => unknown): void {
  state.rawStderr = write;
}

/**
 * Prints a library diagnostic on stderr: always when `important` (a misconfiguration
 * the user must see, such as a refused api key), otherwise only with `debug`. Never throws.
 */
export function diagnose(message: string, important = false): void {
  if (!important && !state.options.debug) return;
  try {
    state.rawStderr(`replaylink: ${message}\n`);
  } catch {
    // stderr closed: nothing sensible left to do.
  }
}

/**
 * Reports a kind of persistent trouble (endpoint unreachable, store down, queue full)
 * once per process on stderr, with or without `debug`, never stamped. Later reports of
 * the same kind go through {@link diagnose}, so `debug` still shows each one.
 *
 * @example
 * warnOnce('queueFull', 'events dropped: the send queue is full (raise maxQueue)');
 */
export function warnOnce(kind: string, message: string): void {
  diagnose(message, !state.warned.has(kind));
  state.warned.add(kind);
}
