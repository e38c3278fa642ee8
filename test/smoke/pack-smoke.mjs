// Packs the built package, installs the tarball into a scratch project and loads every
// export with both `import` and `require`, so a broken `exports` map fails CI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LOAD_PEERS = ['@nestjs/common@^11', '@nestjs/core@^11', 'reflect-metadata', 'rxjs'];
const root = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'replaylink-smoke-'));
const npm = (args, cwd) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

try {
  const tarball = npm(['pack', '--silent', '--ignore-scripts', '--pack-destination', scratch], root)
    .trim()
    .split('\n')
    .pop();
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  npm(
    [
      'install',
      '--silent',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      join(scratch, tarball),
      // replaylink/nestjs defines Nest classes, so loading it needs Nest itself.
      ...LOAD_PEERS,
    ],
    scratch,
  );

  const subpaths = JSON.parse(
    execFileSync(
      'node',
      ['-p', `JSON.stringify(Object.keys(require('replaylink/package.json').exports))`],
      { cwd: scratch, encoding: 'utf8' },
    ),
  );
  const specifiers = subpaths
    .filter((s) => s !== './package.json')
    .map((s) => `replaylink${s.slice(1)}`);

  writeFileSync(
    join(scratch, 'esm.mjs'),
    `${specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n')}
const cjs = (await import('node:module')).createRequire(import.meta.url)('replaylink');
// Both builds share one state: a context entered through ESM is visible through CJS.
m0.runWithContext({ sessionToken: 'smoke' }, () => {
  if (cjs.getContext()?.sessionToken !== 'smoke') throw new Error('ESM and CJS copies do not share state');
});
console.log(JSON.stringify([${specifiers.map((_, i) => `Object.keys(m${i}).sort()`).join(', ')}]));`,
  );
  writeFileSync(
    join(scratch, 'cjs.cjs'),
    `console.log(JSON.stringify([${specifiers.map((s) => `Object.keys(require('${s}')).sort()`).join(', ')}]));`,
  );
  const esm = JSON.parse(execFileSync('node', ['esm.mjs'], { cwd: scratch, encoding: 'utf8' }));
  const cjs = JSON.parse(execFileSync('node', ['cjs.cjs'], { cwd: scratch, encoding: 'utf8' }));
  assert.deepEqual(esm, cjs, 'ESM and CJS entry points export the same names');
  // A preload entry works by being loaded: it exports nothing.
  const PRELOADS = ['replaylink/register'];
  for (const [i, names] of esm.entries())
    if (!PRELOADS.includes(specifiers[i]))
      assert.ok(names.length > 0, `${specifiers[i]} exports nothing`);
  assert.ok(esm[0].includes('init') && esm[0].includes('getContext'));

  // Optional peers are not installed here: asking for one is a set-up error, in both builds.
  for (const [file, source] of [
    ['peer.mjs', `import { init } from 'replaylink';`],
    ['peer.cjs', `const { init } = require('replaylink');`],
  ]) {
    writeFileSync(
      join(scratch, file),
      `${source}
try { init({ openTelemetry: true }); console.log('no error'); }
catch (error) { console.log(error.code); }`,
    );
    const outcome = execFileSync('node', [file], { cwd: scratch, encoding: 'utf8' }).trim();
    assert.equal(outcome, 'ERR_REPLAYLINK_INVALID_OPTION', `${file}: missing @opentelemetry/api`);
  }
  console.log(`pack smoke: ${specifiers.join(', ')} load with import and require`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
