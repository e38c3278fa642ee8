import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

test('the packed tarball loads through every export with import and require', () => {
  // Throws (and fails the test) on any broken export; needs `npm run build` first.
  execFileSync('node', ['test/smoke/pack-smoke.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
});
