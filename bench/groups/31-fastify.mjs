// Fastify hello world against its bare app. Skips itself (with a note in the report)
// when this build has no `replaylink/fastify` adapter or Fastify is not installed.
const server = (name) => ({ file: 'fastify.mjs', name });

export default {
  kind: 'http',
  title: 'Fastify, hello world, one console.log per request (to a discarded stream)',
  requires: ['replaylink/fastify', 'fastify'],
  bare: 'bare',
  floor: 'floor',
  configurations: [
    { id: 'bare', label: 'bare Fastify', server: server('bare') },
    {
      id: 'floor',
      label: 'floor: bare AsyncLocalStorage.run(store, next) with the token',
      server: server('floor'),
    },
    { id: 'context', label: 'replaylink: context only (stamp: false)', server: server('context') },
    { id: 'stamping', label: 'replaylink: context + stamping', server: server('stamping') },
    {
      id: 'requestContext',
      peer: true,
      label: '@fastify/request-context (token set in onRequest)',
      server: server('requestContext'),
    },
  ],
  targets: [
    { id: 'context', ofFloor: 0.97, cheaperThan: ['requestContext'] },
    { id: 'stamping', ofFloor: 0.95 },
  ],
};
