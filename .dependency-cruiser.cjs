// The import rules of ARCHITECTURE.md, checked by `npm run lint` (`npm run lint:deps`).
// Type imports count: a cycle of types is still a loop for the reader.

const CAPABILITIES = 'stamp|forward|access-log|sessions|propagate|receiver|lambda';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'Imports point one way; a loop (type imports included) has no reading order.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment: 'src/core/ is the bottom layer: it imports nothing of ours above it.',
      from: { path: '^src/core/' },
      to: { path: '^(src/(?!core/)|adapters/)' },
    },
    {
      name: 'capability-imports-core-only',
      severity: 'error',
      comment:
        'A capability folder imports src/core/ and its own files, never another capability, ' +
        'the wiring files (src/*.ts) or an adapter. Hear about requests through core observers.',
      from: { path: `^src/(${CAPABILITIES})/` },
      to: {
        path: '^(src/|adapters/)',
        pathNot: ['^src/core/', `^src/$1/`],
      },
    },
    {
      name: 'adapters-import-public-surface',
      severity: 'error',
      comment: 'Adapters import the public surface (src/index.ts) only, and their own folder.',
      from: { path: '^adapters/' },
      to: { path: '^src/', pathNot: '^src/index\\.ts$' },
    },
    {
      name: 'core-stays-framework-free',
      severity: 'error',
      comment: 'src/ never imports a framework; framework code belongs in adapters/.',
      from: { path: '^src/' },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-peer', 'npm-optional'],
        path: 'node_modules/(express|koa|@nestjs|fastify|ws|pino|winston|@sentry|cls-hooked|@opentelemetry|@middy|serverless-http|@codegenie)/',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
