import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The import rules of ARCHITECTURE.md are enforced by `npm run lint`. These tests run the
// same checker with the project's configuration on small trees that break one rule each,
// so a config change that stops catching a breach fails here.

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const config = join(root, '.dependency-cruiser.cjs');
const bin = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'replaylink-arch-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function cruise(name: string, files: Record<string, string>) {
  const dir = join(scratch, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }),
  );
  const run = spawnSync(process.execPath, [bin, 'src', 'adapters', '--config', config], {
    cwd: dir,
    encoding: 'utf8',
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

describe('the import rules', () => {
  test('the project itself passes', () => {
    const run = spawnSync(process.execPath, [bin, 'src', 'adapters', '--config', config], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /no dependency violations/);
  });

  test('a cycle of type imports fails, naming both files', () => {
    const { status, output } = cruise('cycle', {
      'src/core/a.ts': "import type { B } from './b.js';\nexport type A = B | 1;\n",
      'src/core/b.ts': "import type { A } from './a.js';\nexport type B = A | 2;\n",
      'adapters/x.ts': 'export {};\n',
    });
    assert.notEqual(status, 0);
    assert.match(output, /no-cycle/);
    assert.match(output, /src\/core\/a\.ts/);
    assert.match(output, /src\/core\/b\.ts/);
  });

  test('core importing a capability fails', () => {
    const { status, output } = cruise('upward', {
      'src/core/context.ts':
        "import { stamp } from '../stamp/stamp.js';\nexport const x = stamp;\n",
      'src/stamp/stamp.ts': 'export const stamp = 1;\n',
      'adapters/x.ts': 'export {};\n',
    });
    assert.notEqual(status, 0);
    assert.match(output, /core-imports-only-core: src\/core\/context\.ts → src\/stamp\/stamp\.ts/);
  });

  test('a capability reaching into another one sideways fails', () => {
    const { status, output } = cruise('sideways', {
      'src/access-log/index.ts':
        "import { t } from '../forward/transport.js';\nexport const a = t;\n",
      'src/forward/transport.ts': "import { c } from '../core/c.js';\nexport const t = c;\n",
      'src/core/c.ts': 'export const c = 1;\n',
      'adapters/x.ts': 'export {};\n',
    });
    assert.notEqual(status, 0);
    assert.match(
      output,
      /capability-imports-core-only: src\/access-log\/index\.ts → src\/forward\/transport\.ts/,
    );
    // Importing the core is the allowed direction.
    assert.doesNotMatch(output, /src\/forward\/transport\.ts → src\/core\/c\.ts/);
  });

  test('an adapter importing past the public surface fails', () => {
    const { status, output } = cruise('adapter', {
      'src/index.ts': "export { state } from './core/state.js';\n",
      'src/core/state.ts': 'export const state = {};\n',
      'adapters/pino.ts':
        "import { state } from '../src/core/state.js';\nexport const s = state;\n",
    });
    assert.notEqual(status, 0);
    assert.match(
      output,
      /adapters-import-public-surface: adapters\/pino\.ts → src\/core\/state\.ts/,
    );
  });
});
