import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// Nest packages import each other by name, so two majors cannot share one node_modules
// under npm aliases. The newest installed major (devDependencies) runs in-process in the
// adapter matrix; the others run here, each in its own project under the temp dir, with
// a copy of the built package so that `replaylink/nestjs` resolves that major's Nest.
const MAJORS = ['10', '12'];
const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const fixture = fileURLToPath(new URL('./fixtures/nest-major.mjs', import.meta.url));

async function project(major: string): Promise<string> {
  const dir = join(tmpdir(), `replaylink-nest-${major}`);
  const own = Object.entries(pkg.dependencies as Record<string, string>).map(
    ([name, range]) => `${name}@${range}`,
  );
  if (!existsSync(join(dir, 'node_modules', '.replaylink-ready'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"name":"nest-major","private":true}');
    const packages = ['common', 'core', 'platform-express', 'platform-fastify'];
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        ...packages.map((p) => `@nestjs/${p}@${major}`),
        'reflect-metadata@0.2',
        'rxjs@7',
        // What the copy of replaylink below depends on.
        ...own,
      ],
      { cwd: dir },
    );
    writeFileSync(join(dir, 'node_modules', '.replaylink-ready'), '');
  }
  const copy = join(dir, 'node_modules', 'replaylink');
  mkdirSync(copy, { recursive: true });
  cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(copy, 'package.json'));
  cpSync(fixture, join(dir, 'nest-major.mjs'));
  return dir;
}

for (const major of MAJORS) {
  describe(`nestjs ${major} (own project)`, () => {
    test('context on every route, guard errors forwarded once, 4xx not forwarded', async () => {
      const dir = await project(major);
      const { stdout } = await run(process.execPath, ['nest-major.mjs'], { cwd: dir });
      const lines = stdout.trim().split('\n');
      const result = JSON.parse(lines.pop() ?? '{}');
      const stamp = '[openReplaySessionToken=tok-major] [bugReplayRecordingUuid=rec-major]';
      assert.deepEqual(lines, [`${stamp} handled`, `${stamp} handled`]);
      for (const platform of ['express', 'fastify']) {
        const { statuses, exceptions } = result[platform];
        assert.deepEqual(statuses.token, [200, '{"token":"tok-major"}'], platform);
        assert.equal(statuses.guard[0], 500, platform);
        assert.equal(statuses.forbidden[0], 403, platform);
        assert.deepEqual(exceptions, ['Error: guard broke'], platform);
      }
    });
  });
}
