// Koa hello world against its bare app. Skips itself (with a note in the report)
// when this build has no `replaylink/koa` adapter or Koa is not installed.
const server = (name) => ({ file: 'koa.mjs', name });

export default {
  kind: 'http',
  title: 'Koa, hello world, one console.log per request (to a discarded stream)',
  requires: ['replaylink/koa', 'koa'],
  bare: 'bare',
  floor: 'floor',
  configurations: [
    { id: 'bare', label: 'bare Koa', server: server('bare') },
    {
      id: 'floor',
      label: 'floor: bare AsyncLocalStorage.run(store, next) with the token',
      server: server('floor'),
    },
    { id: 'context', label: 'replaylink: context only (stamp: false)', server: server('context') },
    { id: 'stamping', label: 'replaylink: context + stamping', server: server('stamping') },
  ],
  targets: [
    { id: 'context', ofFloor: 0.97 },
    { id: 'stamping', ofFloor: 0.95 },
  ],
};
