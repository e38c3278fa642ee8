import { readFileSync } from 'node:fs';

/**
 * The Nest major under test: the devDependency, or the one test/matrix/nest-major.mjs
 * resolves Nest from (import.meta.resolve goes through its resolution hooks).
 */
export const NEST: string = JSON.parse(
  readFileSync(new URL(import.meta.resolve('@nestjs/core/package.json')), 'utf8'),
).version.split('.')[0];
