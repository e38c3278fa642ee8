import { diagnose } from '../core/diagnostics.js';
import type { RequestObserver } from '../core/model.js';
import { state } from '../core/state.js';
import { compileTemplate } from './compile.js';
import { httpObserver } from './http.js';
import { type AccessLogOptions, notATemplate, resolveAccessLogOptions } from './options.js';
import { parseTemplate } from './parse.js';
import type { AccessRecord } from './record.js';
import { SUPPORTED_NAMES, variableFor } from './variables.js';

export type { EscapeName } from './escape.js';
export type { AccessLogOptions, LineWritable } from './options.js';
export { PRESETS, type PresetName } from './presets.js';
export type { AccessRecord, EventType } from './record.js';

/** A compiled access log: one template, one destination. */
export interface AccessLog {
  /** Formats and writes the line of one event. Never throws; failures are counted. */
  write(record: AccessRecord): void;
  /** Whether the template reads `$context.<name>`, so callers skip work it does not need. */
  uses(name: string): boolean;
  /** Follows HTTP requests; what adapters register. */
  readonly observer: RequestObserver;
}

/**
 * Validates `accessLog` options and compiles the template once. Adapters call it for
 * their `accessLog` option; call it yourself only to log events of your own.
 *
 * @example
 * const log = createAccessLog({ format: 'clf', stream: process.stderr });
 * const enter = createRequestScope({ observers: [log.observer] });
 * http.createServer((req, res) => enter(req, res, () => handle(req, res)));
 */
export function createAccessLog(options: AccessLogOptions): AccessLog {
  const { template, escaper, sink, settings, skip } = resolveAccessLogOptions(options);
  const parts = parseTemplate(template, (name) => variableFor(name) !== undefined, SUPPORTED_NAMES);
  const used = new Set(parts.flatMap((part) => (typeof part === 'string' ? [] : [part.name])));
  if (used.size === 0) throw notATemplate(template);
  const format = compileTemplate(parts, escaper, settings);

  const write = (record: AccessRecord): void => {
    try {
      // Outside the request's context, so the line is not stamped: it has its own fields.
      state.als.exit(sink, format(record));
      state.stats.accessLog.lines++;
    } catch (error) {
      state.stats.accessLog.failures++;
      diagnose(
        `access log line not written: ${error instanceof Error ? error.message : typeof error}`,
      );
    }
  };
  const uses = (name: string) => used.has(name);
  return { write, uses, observer: httpObserver({ write, uses, skip }) };
}
export { sourceIpOf } from './record.js';
