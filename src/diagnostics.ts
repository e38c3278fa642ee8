import { state } from './state.js';

/** stderr's write as it was beneath replaylink's patch, so diagnostics are never stamped. */
let rawStderrWrite: (text: string) => unknown = (text) => process.stderr.write(text);

/** Called by the stream patch with the write it wrapped. */
export function setRawStderr(write: (text: string) => unknown): void {
  rawStderrWrite = write;
}

/**
 * Prints a library diagnostic on stderr: always when `important` (a misconfiguration
 * the user must see, such as a refused api key), otherwise only with `debug`. Never throws.
 */
export function diagnose(message: string, important = false): void {
  if (!important && !state.options.debug) return;
  try {
    rawStderrWrite(`replaylink: ${message}\n`);
  } catch {
    // stderr closed: nothing sensible left to do.
  }
}
