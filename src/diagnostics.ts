import { state } from './state.js';

// Captured before any patch is installed, so diagnostics are never stamped or forwarded.
const rawStderrWrite = process.stderr.write.bind(process.stderr);

/** Prints a library diagnostic when `debug` is on. Never throws. */
export function diagnose(message: string): void {
  if (!state.options.debug) return;
  try {
    rawStderrWrite(`replaylink: ${message}\n`);
  } catch {
    // stderr closed: nothing sensible left to do.
  }
}
