import { state } from './state.js';

// Captured before any patch is installed, so diagnostics are never stamped or forwarded.
const rawStderrWrite = process.stderr.write.bind(process.stderr);

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
