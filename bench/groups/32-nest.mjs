// NestJS hello world against its bare app. Skips itself (with a note in the report)
// when this build has no `replaylink/nestjs` adapter or NestJS is not installed.
const server = (name) => ({ file: 'nest.mjs', name });

export default {
  kind: 'http',
  title: 'NestJS, hello world, one console.log per request (to a discarded stream)',
  requires: [
    'replaylink/nestjs',
    '@nestjs/core',
    '@nestjs/common',
    '@nestjs/platform-express',
    'reflect-metadata',
  ],
  bare: 'bare',
  floor: 'floor',
  configurations: [
    { id: 'bare', label: 'bare NestJS', server: server('bare') },
    {
      id: 'floor',
      label: 'floor: bare AsyncLocalStorage.run(store, next) with the token',
      server: server('floor'),
    },
    { id: 'context', label: 'replaylink: context only (stamp: false)', server: server('context') },
    { id: 'stamping', label: 'replaylink: context + stamping', server: server('stamping') },
    {
      id: 'nestjsCls',
      peer: true,
      label: 'nestjs-cls (ClsModule middleware, token set in setup)',
      server: server('nestjsCls'),
    },
  ],
  targets: [
    { id: 'context', ofFloor: 0.97, cheaperThan: ['nestjsCls'] },
    { id: 'stamping', ofFloor: 0.95 },
  ],
};
