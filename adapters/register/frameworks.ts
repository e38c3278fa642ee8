import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { createRequire, register } from 'node:module';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { attachFrameworkRequest, captureRequestError, forwardsErrors } from '../../src/index.js';
import { type ExpressApp, keepLastErrorLayer, lastErrorLayer } from '../express/error-layer.js';
import { fastifyPlugin } from '../fastify.js';
import { type ExceptionsHandlerProto, observeExceptions } from '../nestjs/observe.js';
import { observeHono } from './hono.js';

const kPatched = Symbol.for('replaylink.register.patched');
type Patchable = Record<string, unknown> & { [kPatched]?: true };

/** Wraps `target[name]` once so that `before` runs first with the same `this` and arguments. */
function before(
  target: Patchable | undefined,
  name: string,
  hook: (self: never, args: IArguments) => void,
): void {
  const original = target?.[name];
  if (target === undefined || typeof original !== 'function' || target[kPatched]) return;
  target[name] = function (this: unknown) {
    try {
      // biome-ignore lint/complexity/noArguments: the framework's arguments, passed on as they came.
      hook(this as never, arguments);
    } catch {
      // Observing must never change how the framework answers.
    }
    // biome-ignore lint/complexity/noArguments: as above.
    return Reflect.apply(original, this, arguments);
  };
  target[kPatched] = true;
}

/**
 * Express 4/5: the adapter's last error layer is kept at the end of every application
 * when it handles a request, so an error no handler answered is forwarded (once).
 */
function hookExpress(application: Patchable): void {
  const layer = lastErrorLayer(undefined);
  before(application, 'handle', (app: ExpressApp) => keepLastErrorLayer(app, layer));
}

/**
 * Express 4/5: an error is captured as it reaches the application's first error handler,
 * where `expressErrorHandler()` would be mounted (before the app's own handlers answer it).
 */
function hookExpressLayer(name: string) {
  return (exports: Record<string, unknown>) =>
    before(
      (exports as { prototype?: Patchable }).prototype,
      name,
      (layer: { handle?: unknown }, args) => {
        if (typeof layer.handle === 'function' && layer.handle.length === 4)
          captureRequestError(args[0], args[1] as IncomingMessage);
      },
    );
}

/**
 * Koa 2/3: every error that leaves the middleware reaches `ctx.onerror`, which Koa calls
 * inside the request's context; it is captured (with `ctx` for the route) before Koa's own.
 */
function hookKoa(context: Patchable): void {
  before(context, 'onerror', (ctx: { req?: IncomingMessage }, args) => {
    const error = args[0];
    if (error == null || ctx.req === undefined) return;
    attachFrameworkRequest(ctx.req, ctx);
    captureRequestError(error, ctx.req);
  });
}

/**
 * Koa 2/3: `respond` reads `ctx.writable` once as it starts answering, after routing; the
 * `ctx` is attached to the raw request then, so the access log reads its route.
 */
function hookKoaResponse(response: Patchable): void {
  const writable = Object.getOwnPropertyDescriptor(response, 'writable');
  const get = writable?.get;
  if (get === undefined || response[kPatched]) return;
  Object.defineProperty(response, 'writable', {
    ...writable,
    get(this: { req?: IncomingMessage; ctx?: unknown }) {
      if (this.req !== undefined) attachFrameworkRequest(this.req, this.ctx);
      return get.call(this);
    },
  });
  response[kPatched] = true;
}

/** The packages whose files are patched when they are loaded, by file. */
const FILES: Record<string, (exports: Record<string, unknown>) => void> = {
  'express/lib/application.js': hookExpress,
  'express/lib/router/layer.js': hookExpressLayer('handle_error'),
  'router/lib/layer.js': hookExpressLayer('handleError'),
  'koa/lib/context.js': hookKoa,
  'koa/lib/response.js': hookKoaResponse,
  hono: observeHono,
  '@nestjs/core/exceptions/exceptions-handler.js': (exports) =>
    observeExceptions(
      (exports.ExceptionsHandler as { prototype: ExceptionsHandlerProto }).prototype,
      true,
    ),
};

/**
 * Installs the adapters' error hooks into Express, Koa, Fastify and Nest when the
 * application loads them, with no code of its own. Express (and its `router`), Koa and
 * Nest are CommonJS inside even when imported from ESM: their own files are required, and
 * require hooks see those. Fastify announces each instance on `fastify.initialization`.
 */
export function hookFrameworks(): void {
  // Required, not imported: loading CommonJS through the ESM loader costs start-up time.
  const { Hook } = createRequire(import.meta.url)(
    'require-in-the-middle',
  ) as typeof import('require-in-the-middle');
  const names = ['express', 'router', 'koa', '@nestjs/core', 'hono'];
  new Hook(names, { internals: true }, (exports, name) => {
    try {
      FILES[name]?.(exports as Record<string, unknown>);
    } catch {
      // A framework shaped unlike the releases we know is left alone.
    }
    return exports;
  });
  if (forwardsErrors()) hookHonoImports();
  subscribe('fastify.initialization', (message) => {
    // A subscriber's throw would surface as an uncaught exception: never let one out.
    try {
      (message as { fastify: FastifyInstance }).fastify.register(fastifyPlugin);
    } catch {
      // An instance unlike Fastify 4/5: left alone.
    }
  });
}

/** Whether the application can load `name` (resolved from its entry file, else the cwd). */
export function canLoad(name: string): boolean {
  const entry = process.argv[1];
  const from = entry === undefined ? join(process.cwd(), 'index.js') : entry;
  try {
    createRequire(from).resolve(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Hono imported from ESM is its ESM build, which require hooks never see: an ESM loader
 * (import-in-the-middle, limited to `hono`) lets its exports be patched as they load. A
 * loader costs start-up time, so it is registered only when errors are forwarded and the
 * application can load Hono. In-thread (`module.registerHooks`) where Node runs it
 * correctly, else on the loader thread (`module.register`).
 */
function hookHonoImports(): void {
  if (!canLoad('hono')) return;
  const require = createRequire(import.meta.url);
  const include = { include: ['hono'] };
  try {
    const sync = require('import-in-the-middle/register-hooks.mjs') as {
      supportsSyncHooks(): boolean;
      register(options: typeof include): void;
    };
    if (!sync.supportsSyncHooks()) throw new Error('no synchronous hooks');
    sync.register(include);
  } catch {
    register('import-in-the-middle/hook.mjs', import.meta.url, { data: include });
  }
  const { Hook } = require('import-in-the-middle') as typeof import('import-in-the-middle');
  new Hook(['hono'], (exports) => observeHono(exports));
}
