import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import {
  type AdapterEntryOptions,
  adapterScope,
  captureRequestError,
  fastifyRoute,
} from '../src/index.js';

/** Options of {@link fastifyPlugin}: adapter options, plus `init` options when given. */
export type FastifyPluginOptions = AdapterEntryOptions;

// Keys Fastify itself reads from `register` options; they are not replaylink's.
const REGISTER_KEYS = new Set(['prefix', 'logLevel', 'logSerializers']);

function ownOptions(options: object): FastifyPluginOptions {
  return Object.fromEntries(
    Object.entries(options).filter(([key]) => !REGISTER_KEYS.has(key)),
  ) as FastifyPluginOptions;
}

function plugin(
  fastify: FastifyInstance,
  options: FastifyPluginOptions,
  done: (err?: Error) => void,
): void {
  let scope: ReturnType<typeof adapterScope>;
  try {
    scope = adapterScope(ownOptions(options), fastifyRoute);
  } catch (err) {
    // Fastify reports plugin errors from `done`, as the rejection of `register`/`ready`.
    done(err as Error);
    return;
  }
  const { enter, options: adapter } = scope;
  const { shouldForward } = adapter;
  // Calling `next` inside the context runs every later hook, the handler and the reply
  // from it; events of the raw request and response (body parsing, 'finish', onResponse)
  // are bound to the context by the core.
  fastify.addHook('onRequest', (request, reply, next) => {
    enter(request.raw, reply.raw, next, request);
  });
  // Runs for the errors Fastify answers with an error reply; setErrorHandler is untouched.
  fastify.addHook('onError', (request, _reply, error, next) => {
    captureRequestError(error, request.raw, shouldForward);
    next();
  });
  done();
}

/**
 * Fastify 4/5 plugin that runs every route of the instance (hooks, handler, reply,
 * onResponse) in its request's replaylink context and forwards the errors Fastify
 * answers. It is not encapsulated: registered on the root, it covers every route.
 *
 * @example
 * import Fastify from 'fastify';
 * import { fastifyPlugin } from 'replaylink/fastify';
 * const app = Fastify();
 * await app.register(fastifyPlugin, { shouldForward: (err) => true });
 */
export const fastifyPlugin = Object.assign(plugin as FastifyPluginCallback<FastifyPluginOptions>, {
  // What fastify-plugin sets: skip encapsulation, and a name for Fastify's plugin tree.
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'replaylink',
});
