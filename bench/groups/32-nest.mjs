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
  configurations: [
    { id: 'bare', label: 'bare NestJS', server: server('bare') },
    { id: 'context', label: 'replaylink: context only (stamp: false)', server: server('context') },
    { id: 'stamping', label: 'replaylink: context + stamping', server: server('stamping') },
  ],
  targets: [{ id: 'stamping', atLeast: 0.95 }],
};
