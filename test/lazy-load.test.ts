import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const dist = fileURLToPath(new URL('../dist/src/', import.meta.url));

// Runs in a fresh process against the built package: nothing heavy is loaded by the
// import, and the first send (ESM and CommonJS builds alike) still reaches a receiver.
const script = (load: string) => `
const { createRequire } = require('node:module');
const loaded = () => Object.keys(createRequire(process.cwd() + '/x.js').cache).filter((p) => /node_modules\\/(undici|ua-parser-js)\\//.test(p)).length > 0;
(async () => {
  const rl = ${load};
  const atImport = loaded();
  const receiver = await rl.startReceiver({ apiKey: 'k', print: false });
  rl.init({ apiKey: 'k', endpoint: receiver.url });
  const queued = rl.runWithContext({ recordingId: 'rec-1' }, () => rl.captureException(new Error('lazy')));
  const delivered = await rl.flush();
  console.log(JSON.stringify({ atImport, queued, delivered, received: receiver.events.length, afterSend: loaded() }));
  await rl.close();
  await receiver.close();
})();
`;

for (const [name, load] of [
  ['ESM', `await import(${JSON.stringify(`${dist}index.js`)})`],
  ['CommonJS', `require(${JSON.stringify(`${dist}index.cjs`)})`],
] as const) {
  test(`${name} build: undici and ua-parser-js load at first use, and the first send arrives`, async () => {
    const { stdout } = await run(process.execPath, ['-e', script(load)]);
    assert.deepEqual(JSON.parse(stdout), {
      atImport: false,
      queued: true,
      delivered: true,
      received: 1,
      afterSend: true,
    });
  });
}
