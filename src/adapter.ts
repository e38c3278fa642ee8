import type { IncomingMessage } from 'node:http';
import {
  type AccessLog,
  type AccessLogOptions,
  createAccessLog,
  PRESETS,
} from './access-log/index.js';
import { adapterInit } from './client.js';
import { invalidOption } from './core/errors.js';
import type { RequestObserver } from './core/model.js';
import type { ShouldForward } from './forward/capture.js';
import { ADAPTER_OPTION_KEYS, type ReplayLinkOptions } from './options.js';
import { createRequestScope } from './scope.js';

/**
 * Options every adapter accepts on top of the `init` options. Features that act per
 * middleware (rather than per process) add their key here and to `ADAPTER_OPTION_KEYS`.
 */
export interface AdapterOptions {
  /**
   * Decides whether an error that reached the adapter is forwarded. Default: errors with
   * a status of 500 or more, or with no status.
   */
  shouldForward?: ShouldForward;
  /** One access-log line per request from a `$context` template. Default: off. */
  accessLog?: AccessLogOptions;
}

/** Options of an adapter's entry point: adapter options plus, optionally, `init` options. */
export type AdapterEntryOptions = ReplayLinkOptions & AdapterOptions;

/** Splits adapter options from `init` options. */
function split(options: AdapterEntryOptions): {
  initOptions: ReplayLinkOptions | undefined;
  adapter: AdapterOptions;
} {
  const initOptions: Record<string, unknown> = {};
  const adapter: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if ((ADAPTER_OPTION_KEYS as readonly string[]).includes(key)) adapter[key] = value;
    else initOptions[key] = value;
  }
  return {
    initOptions:
      Object.keys(initOptions).length > 0 ? (initOptions as ReplayLinkOptions) : undefined,
    adapter: adapter as AdapterOptions,
  };
}

/** Rejects adapter options of the wrong type at set-up, naming the option. */
function validate(adapter: AdapterOptions): void {
  const { shouldForward } = adapter;
  if (shouldForward !== undefined && typeof shouldForward !== 'function')
    throw invalidOption('shouldForward', shouldForward, 'a function (error, req) => boolean');
}

/** What an adapter's options set up: the adapter options and the compiled features. */
export interface AdapterSetup {
  readonly options: AdapterOptions;
  readonly accessLog: AccessLog | undefined;
}

/**
 * Configures the library from an adapter's options (`init` options, when given, are
 * merged key by key over the configuration in force) and compiles the per-adapter
 * features. Throws on bad options, at set-up.
 */
export function adapterSetup(options: AdapterEntryOptions | undefined): AdapterSetup {
  const { initOptions, adapter } = split(options ?? {});
  validate(adapter);
  const accessLog =
    adapter.accessLog === undefined ? undefined : createAccessLog(adapter.accessLog);
  adapterInit(initOptions, adapter.accessLog && describeAccessLog(adapter.accessLog));
  return { options: adapter, accessLog };
}

/** An access log in a few words for `debug`: its format and where lines go. */
function describeAccessLog({ format, stream }: AccessLogOptions): string {
  const preset = Object.hasOwn(PRESETS, format);
  const to =
    stream === undefined || stream === process.stdout
      ? 'stdout'
      : stream === process.stderr
        ? 'stderr'
        : typeof stream === 'function'
          ? 'a function'
          : 'a stream';
  return `${preset ? `${format} format` : 'a custom template'} to ${to}`;
}

/** Builds the per-middleware observers from adapter options. */
function observersFor(setup: AdapterSetup): RequestObserver[] {
  return setup.accessLog === undefined ? [] : [setup.accessLog.observer];
}

/**
 * What each adapter calls once at set-up: `init` options (when given) configure the
 * library, adapter options are validated, and the request scope is built.
 */
export function adapterScope(
  options: AdapterEntryOptions | undefined,
  routeOf?: (req: IncomingMessage, framework?: unknown) => string | undefined,
) {
  const setup = adapterSetup(options);
  const scope = createRequestScope({
    observers: observersFor(setup),
    ...(routeOf ? { routeOf } : {}),
    ...(setup.options.shouldForward ? { shouldForward: setup.options.shouldForward } : {}),
  });
  return { enter: scope, options: setup.options };
}
