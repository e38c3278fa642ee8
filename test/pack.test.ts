import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

test('the packed tarball loads through every export with import and require', () => {
  // Throws (and fails the test) on any broken export; needs `npm run build` first.
  execFileSync('node', ['test/smoke/pack-smoke.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
});

test('the tarball holds the license, the README and docs/, and no tests or benchmarks', () => {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }),
  ) as [{ files: Array<{ path: string }> }];
  const paths = packed.files.map((f) => f.path);
  for (const file of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'docs/options.md'])
    assert.ok(paths.includes(file), `${file} is not packed`);
  assert.ok(
    paths.some((p) => p.startsWith('dist/')),
    'dist/ is not packed',
  );
  const stray = paths.filter((p) => /^(test|bench|examples|scripts|\.ci|src|adapters)\//.test(p));
  assert.deepEqual(stray, [], 'files that do not belong in the package');
});
