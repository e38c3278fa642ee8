import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { useReceiver } from './helpers.js';

// One process, both builds of the package (test/fixtures/dual-build.mjs, against dist/):
// `init` from the CommonJS build with each adapter from the ESM build, and the reverse.
// Every handler line is stamped once and every error is forwarded once.

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('./fixtures/dual-build.mjs', import.meta.url));
const KEY = 'sk_dual_build_receiver_key';
const receiver = useReceiver(KEY);

const ADAPTERS = ['http', 'express', 'koa', 'fastify', 'nestjs'] as const;
const PAIRS = [
  ['cjs', 'esm'],
  ['esm', 'cjs'],
] as const;

async function runFixture(initBuild: string, adapterBuild: string, adapter: string) {
  const { stdout, stderr } = await run(
    process.execPath,
    [fixture, initBuild, adapterBuild, adapter],
    {
      env: { ...process.env, RECEIVER_URL: receiver.url, RECEIVER_KEY: KEY },
      timeout: 30_000,
    },
  );
  return { stdout: stdout.split('\n'), stderr: stderr.split('\n') };
}

for (const [initBuild, adapterBuild] of PAIRS) {
  describe(`init from the ${initBuild} build, adapter from the ${adapterBuild} build`, () => {
    for (const adapter of ADAPTERS) {
      test(`${adapter}: each handler line stamped once, each error forwarded once`, async () => {
        const { stdout, stderr } = await runFixture(initBuild, adapterBuild, adapter);
        const result = stdout.find((line) => line.startsWith('RESULT '));
        assert.deepEqual(JSON.parse(result?.slice(7) ?? 'null'), {
          statuses: [200, 500],
          delivered: true,
        });
        assert.deepEqual(
          stdout.filter((line) => line.includes('handler ok')),
          [
            '[openReplaySessionToken=tok-dual] handler ok',
            '[openReplaySessionToken=tok-dual] handler ok after await',
          ],
        );
        assert.deepEqual(
          stderr.filter((line) => line.includes('handler fail')),
          ['[bugReplayRecordingUuid=rec-dual] handler fail'],
        );
        const exceptions = receiver.events.filter((event) => event.type === 'exception');
        assert.deepEqual(
          exceptions.map((event) => [event.uuid, event.title]),
          [['rec-dual', `Error: boom ${initBuild}→${adapterBuild} ${adapter}`]],
        );
      });
    }
  });
}

test('a ReplayLinkError thrown by one build is an instanceof the other build’s class', async () => {
  const dist = fileURLToPath(new URL('../dist/src/', import.meta.url));
  const script = `
    const cjs = require(${JSON.stringify(`${dist}index.cjs`)});
    import(${JSON.stringify(`${dist}index.js`)}).then((esm) => {
      const thrown = (init) => { try { init({ apiKey: 42 }); } catch (error) { return error; } };
      const fromCjs = thrown(cjs.init);
      const fromEsm = thrown(esm.init);
      console.log(JSON.stringify([
        fromCjs instanceof esm.ReplayLinkError, fromEsm instanceof cjs.ReplayLinkError,
        fromCjs instanceof cjs.ReplayLinkError, new Error('x') instanceof esm.ReplayLinkError,
        Object.keys(fromCjs), fromCjs.code,
      ]));
    });
  `;
  const { stdout } = await run(process.execPath, ['-e', script], { timeout: 30_000 });
  assert.deepEqual(JSON.parse(stdout), [
    true,
    true,
    true,
    false,
    ['name', 'code'],
    'ERR_REPLAYLINK_INVALID_OPTION',
  ]);
});
