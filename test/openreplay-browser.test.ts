import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { cloudWatchErrors, elasticPhraseHits, type Ingest, startIngest } from './openreplay.js';
import { findBrowser, launchBrowser } from './services.js';

// The real @openreplay/tracker, bundled with esbuild into a page in headless Chromium,
// against a local stand-in of OpenReplay's ingest and an Express app (a child process,
// its stdout/stderr captured) set up as docs/cors.md says. Each scenario is one page
// load, so one new session: fetch, XHR and axios calls, then a call that throws. Then
// OpenReplay's own matching (CloudWatch, Elasticsearch) is applied to the captured lines.

const chromium = findBrowser();
const here = path.dirname(fileURLToPath(import.meta.url));
// Session ids above 2^53, as OpenReplay's are; seeded so a failing run can be replayed.
const SEED = BigInt(process.env.REPLAYLINK_SEED ?? `0x${randomBytes(6).toString('hex')}`);
const FIRST_ID = 2n ** 53n + SEED * 7919n;

interface Scenario {
  name: string;
  proxy: boolean;
  axios: boolean;
  /** The x-openreplay-* header names each client's request carries, as the tracker sends them. */
  sent: Record<'fetch' | 'xhr' | 'axios', string[]>;
}

const TOKEN = 'x-openreplay-sessiontoken';
const AXIOS_TOKEN = 'x-openreplay-session-token';

const SCENARIOS: Scenario[] = [
  // Default network proxy: fetch and XHR through it, axios over XHR.
  {
    name: 'proxy',
    proxy: true,
    axios: false,
    sent: { fetch: [TOKEN], xhr: [TOKEN], axios: [TOKEN] },
  },
  // The same with the axios hook: axios gets its own name as well.
  {
    name: 'proxy-axios',
    proxy: true,
    axios: true,
    sent: { fetch: [TOKEN], xhr: [TOKEN], axios: [AXIOS_TOKEN, TOKEN] },
  },
  // useProxy: false with axiosInstances: the tracker leaves XHR alone; axios has only its name.
  {
    name: 'noproxy-axios',
    proxy: false,
    axios: true,
    sent: { fetch: [TOKEN], xhr: [], axios: [AXIOS_TOKEN] },
  },
  // useProxy: false without axiosInstances: the tracker's older XHR patch sets the header
  // before open(), which the browser refuses (swallowed), so XHR and axios carry nothing.
  {
    name: 'noproxy',
    proxy: false,
    axios: false,
    sent: { fetch: [TOKEN], xhr: [], axios: [] },
  },
];

interface Outcome {
  kind: 'fetch' | 'xhr' | 'axios';
  label: string;
  status: number;
  names?: string[];
  error?: string;
}

interface Exercised {
  start: { success: boolean; reason?: string };
  token: string;
  sessionID: string;
  outcomes: Outcome[];
}

async function bundlePage(dir: string): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(here, 'fixtures', 'openreplay-page.mjs')],
    outfile: path.join(dir, 'page.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  });
  writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><html><body><h1>shop</h1><script src="/page.js"></script></body></html>',
  );
}

/** The app, with everything it writes kept; resolves once both its ports listen. */
function startApp(pageDir: string) {
  const child: ChildProcess = fork(path.join(here, 'fixtures', 'openreplay-app.mjs'), {
    env: { ...process.env, PAGE_DIR: pageDir, REPLAYLINK_DEBUG: '', DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const onData = () => {
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk;
    onData();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk;
    onData();
  });
  const ports = new Promise<{ api: number; frontend: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start: ${err}`)), 15_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as { api: number; frontend: number });
    });
    child.once('exit', (code) => reject(new Error(`app exited (${code}): ${err}`)));
  });
  return {
    child,
    ports,
    /** Every line written so far, stdout then stderr, as a log shipper sends them (one event per line). */
    lines: () => `${out}${err}`.split('\n').filter((line) => line !== ''),
    /** Resolves once `text` has been written (each chunk is checked; bounded by `ms`). */
    waitFor(text: string, ms = 10_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!`${out}${err}`.includes(text)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`"${text}" never written; output:\n${out}${err}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

describe('the real OpenReplay tracker in Chromium, end to end', { skip: chromium.skip }, () => {
  let pageDir: string;
  let ingest: Ingest;
  let app: ReturnType<typeof startApp>;
  let apiOrigin: string;
  let frontendOrigin: string;
  let browser: Browser;
  const sessions: Array<{ scenario: string; token: string; sessionID: string; prefix: string }> =
    [];

  before(async () => {
    pageDir = mkdtempSync(path.join(tmpdir(), 'replaylink-openreplay-'));
    await bundlePage(pageDir);
    ingest = await startIngest(FIRST_ID);
    app = startApp(pageDir);
    const ports = await app.ports;
    apiOrigin = `http://127.0.0.1:${ports.api}`;
    frontendOrigin = `http://127.0.0.1:${ports.frontend}`;
    browser = await launchBrowser(chromium.command!);
  });

  after(async () => {
    await browser?.close();
    app?.child.kill();
    await ingest?.close();
    if (pageDir) rmSync(pageDir, { recursive: true, force: true });
  });

  for (const scenario of SCENARIOS) {
    for (const where of ['same-origin', 'cross-origin'] as const) {
      test(`${scenario.name}, ${where}: nothing blocked; what carries the token is stamped once with it and the id`, async (t) => {
        t.diagnostic(`seed ${SEED} (REPLAYLINK_SEED=${SEED} replays this run)`);
        const prefix = `${scenario.name}-${where}`;
        const origin = where === 'same-origin' ? apiOrigin : frontendOrigin;
        const query = new URLSearchParams({
          ingest: ingest.url,
          api: where === 'same-origin' ? '' : apiOrigin,
          proxy: scenario.proxy ? '1' : '0',
          axios: scenario.axios ? '1' : '0',
        });
        const context = await browser.newContext();
        try {
          const page = await context.newPage();
          page.setDefaultTimeout(15_000);
          await page.goto(`${origin}/index.html?${query}`);
          const result = (await page.evaluate(
            (p) => (window as unknown as { exercise(p: string): unknown }).exercise(p),
            prefix,
          )) as Exercised;
          assert.ok(result.start.success, `tracker did not start: ${JSON.stringify(result.start)}`);
          assert.ok(ingest.minted.includes(result.sessionID), 'the id the ingest minted');
          sessions.push({
            scenario: prefix,
            token: result.token,
            sessionID: result.sessionID,
            prefix,
          });

          const stamp = `[openReplaySessionToken=${result.token}] [openReplaySession.id=${result.sessionID}] `;
          // Not blocked by CORS, and the tracker sent what this scenario expects.
          const calls = result.outcomes.filter((outcome) => !outcome.label.endsWith('-boom'));
          for (const outcome of calls) assert.equal(outcome.status, 200, JSON.stringify(outcome));
          assert.deepEqual(
            Object.fromEntries(calls.map((o) => [o.kind, o.names?.sort()])),
            scenario.sent,
          );
          for (const outcome of result.outcomes) {
            if (outcome.label.endsWith('-boom')) {
              assert.equal(outcome.status, 500, JSON.stringify(outcome));
              continue;
            }
            await app.waitFor(`handled ${outcome.label}\n`);
            const lines = app.lines().filter((line) => line.endsWith(`handled ${outcome.label}`));
            const expected = scenario.sent[outcome.kind].length === 0 ? '' : stamp;
            assert.deepEqual(lines, [`${expected}handled ${outcome.label}`]);
          }

          // The handler that throws: OpenReplay's CloudWatch logic takes its error line
          // with the exact token, and its Elasticsearch phrase finds it by session id.
          await app.waitFor(`payment declined ${prefix}-boom\n`);
          const errorLines = app.lines().filter((line) => line.includes(`${prefix}-boom`));
          const accepted = cloudWatchErrors(errorLines);
          assert.ok(accepted.length > 0, errorLines.join('\n'));
          for (const { token } of accepted) assert.equal(token, result.token);
          const hits = elasticPhraseHits(app.lines(), result.sessionID);
          assert.ok(hits.some((line) => line.includes(`Error: payment declined ${prefix}-boom`)));
          for (const line of hits)
            if (/handled |payment declined /.test(line)) assert.ok(line.includes(prefix), line);
        } finally {
          await context.close();
        }
      });
    }
  }

  test('every session has its own token and id; no line of one is found under another', () => {
    assert.equal(sessions.length, SCENARIOS.length * 2);
    assert.equal(new Set(sessions.map((s) => s.sessionID)).size, sessions.length);
    const accepted = cloudWatchErrors(app.lines());
    const tokens = new Set(sessions.map((s) => s.token));
    for (const event of accepted) assert.ok(tokens.has(event.token), event.message);
    for (const { token, prefix } of sessions)
      assert.ok(accepted.some((e) => e.token === token && e.message.includes(`${prefix}-boom`)));
  });
});
