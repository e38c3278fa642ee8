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
