import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { installedProject } from './services.js';

// Nest packages import each other by name, so two majors cannot share one node_modules
// under npm aliases. Nest 11 (devDependencies) runs in-process; every other supported
// major gets its own project under the temp dir (installed once, from the npm cache when
// it can), and the Nest tests (the matrix's Nest entries and test/nestjs.test.ts) run
// again in a child process whose Nest imports resolve there (test/matrix/nest-major.mjs).
const MAJORS: Record<string, string> = { '10': '3', '12': '12' }; // Nest major → @nestjs/config
const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

/** This environment without node:test's marker, so the child reports as a top-level run. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return { ...env, ...extra };
}

function project(major: string, config: string): Promise<string> {
  const nest = ['common', 'core', 'platform-express', 'platform-fastify'];
  return installedProject(`replaylink-nest-${major}`, [
    ...nest.map((name) => `@nestjs/${name}@${major}`),
    `@nestjs/config@${config}`,
    'reflect-metadata@0.2',
    'rxjs@7',
  ]);
}

for (const [major, config] of Object.entries(MAJORS)) {
  describe(`nestjs ${major}`, () => {
    test('passes the adapter matrix and the Nest tests', async () => {
      const dir = await project(major, config);
      const child = run(
        process.execPath,
        [
          '--import',
          'tsx',
          '--import',
          './test/matrix/nest-major.mjs',
          '--test',
          '--test-reporter=tap',
          'test/adapter-matrix.test.ts',
          'test/nestjs.test.ts',
        ],
        {
          cwd: root,
          env: childEnv({ REPLAYLINK_NEST_DIR: dir, REPLAYLINK_MATRIX: 'nestjs' }),
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      const { stdout } = await child.catch((err: { stdout?: string }) => {
        assert.fail(`nestjs ${major} tests failed:\n${err.stdout ?? err}`);
      });
      assert.match(stdout, new RegExp(`# Subtest: adapter matrix: nestjs ${major} \\(express\\)`));
      assert.match(stdout, new RegExp(`# Subtest: nestjs ${major} on fastify`));
      assert.match(stdout, /^# fail 0$/m);
      assert.match(stdout, /^# pass [1-9]\d*$/m);
    });
  });
}
