// The receiver's page in headless Chromium at volume: time to first render and to a live
// update, per-keystroke filter time, time to switch recording, the page's JS heap, and a
// 1 MiB payload. Run after `npm run build`: `node bench/receiver-page.mjs [--events 10000]`.
// Not part of `npm run bench` (it needs Chromium); results are recorded in bench/README.md.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startReceiver } from '../dist/src/index.js';
import { summarise } from './lib/stats.mjs';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
  },
});
const EVENTS = Number(values.events);
const KEY = 'bench-key';
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function post(receiver, event) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      receiver.url,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(res.statusCode)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(event));
  });
}

/** Posts `count` events made by `make(n)`, 16 at a time. */
async function fill(receiver, count, make) {
  let next = 0;
  const worker = async () => {
    while (next < count) await post(receiver, make(next++));
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

const LEVELS = ['info', 'warn', 'error', 'debug'];
const event = (n, recordings, newestFirst = false) => ({
  uuid: `rec-${(n % recordings).toString(36).padStart(4, '0')}`,
  type: n % 10 === 0 ? 'exception' : 'log',
  level: LEVELS[n % 4],
  timestamp: 1_700_000_000_000 + (newestFirst ? EVENTS - n : n) * 7,
  title: `GET /api/items/${n} answered in ${n % 900} ms`,
  payload:
    n % 10 === 0
      ? `TypeError: item ${n} has no price\n    at totalOf (/app/src/cart.js:12:9)\n    at /app/node_modules/express/lib/router.js:20:3`
      : JSON.stringify({ item: n, tags: ['a', 'b'], note: 'x'.repeat(120) }),
  metadata: JSON.stringify({ route: '/api/items/:id', method: 'GET', requestId: `req-${n}` }),
  origin: 'bench-api',
});

const browser = await chromium.launch({
  executablePath: values.chromium,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--enable-precise-memory-info',
  ],
});

async function openPage(receiver) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(60_000);
  await page.addInitScript((key) => sessionStorage.setItem('replaylink.receiver.key', key), KEY);
  const cdp = await page.context().newCDPSession(page);
  return { page, cdp };
}

/** Milliseconds from navigation to the summary reading `pattern` (the list rendered). */
async function firstRender(page, receiver, pattern) {
  await page.goto(`${receiver.base}/`);
  const handle = await page.waitForFunction(
    (source) =>
      new RegExp(source).test(document.getElementById('summary')?.textContent ?? '')
        ? performance.now()
        : false,
    pattern.source,
    { polling: 'raf' },
  );
  const ms = await handle.jsonValue();
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Live');
  return ms;
}

async function heapMiB(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize / 1024 / 1024;
}

/**
 * In the page: runs `action`, then waits for the next frame and a task after it, so that the
 * page's own frame callback (where it renders), style, layout and paint are all counted.
 * The floor is the wait for that frame (up to 16.7 ms at 60 Hz).
 */
const timedInPage = (page, action, arg) =>
  page.evaluate(
    async ([source, value]) => {
      const run = new Function('value', source);
      const start = performance.now();
      run(value);
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      return performance.now() - start;
    },
    [action, arg],
  );

const TYPE = `const input = document.getElementById('f-text');
  input.value = value; input.dispatchEvent(new Event('input'));`;
const SELECT = `const select = document.getElementById('f-uuid');
  select.value = value; select.dispatchEvent(new Event('change'));`;

const results = [];
const record = (what, xs, goal = '') => {
  const s = Array.isArray(xs) ? summarise(xs) : { median: xs, min: xs, max: xs };
  results.push({ what, ...s, goal, n: Array.isArray(xs) ? xs.length : 1 });
  process.stderr.write(
    `${what}: ${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})\n`,
  );
};

// 1. EVENTS events in 50 recordings, arriving oldest first, then newest first.
for (const newestFirst of [false, true]) {
  const receiver = await startReceiver({ apiKey: KEY, print: false });
  await fill(receiver, EVENTS, (n) => event(n, 50, newestFirst));
  const { page, cdp } = await openPage(receiver);
  const renders = [];
  for (let round = 0; round < 3; round++)
    renders.push(await firstRender(page, receiver, new RegExp(`^${EVENTS} of ${EVENTS} events`)));
  const order = newestFirst ? 'arriving newest first' : 'arriving oldest first';
  record(`first render, ${EVENTS} events ${order} (ms)`, renders, '≤ 1000');
  if (!newestFirst) {
    record(`JS heap with ${EVENTS} events, after GC (MiB)`, await heapMiB(cdp));
    const live = [];
    for (let i = 0; i < 20; i++) {
      const title = `live event ${i}`;
      const start = performance.now();
      await post(receiver, {
        ...event(EVENTS + i, 50),
        uuid: 'rec-live',
        title,
        timestamp: 1_800_000_000_000 + i,
      });
      await page.waitForFunction(
        (t) => document.querySelector('.event .title')?.textContent === t,
        title,
        { polling: 'raf' },
      );
      live.push(performance.now() - start);
    }
    record(`live update: post to row on screen, ${EVENTS} held (ms)`, live);
    const keys = [];
    const query = 'items/12';
    for (let i = 1; i <= query.length; i++)
      keys.push(await timedInPage(page, TYPE, query.slice(0, i)));
    for (let i = query.length - 1; i >= 0; i--)
      keys.push(await timedInPage(page, TYPE, query.slice(0, i)));
    record(`filter keystroke to next frame, ${EVENTS} events (ms)`, keys, '≤ 100');
    const switches = [];
    const back = [];
    for (let i = 0; i < 10; i++) {
      switches.push(
        await timedInPage(page, SELECT, `rec-${(i * 7).toString(36).padStart(4, '0')}`),
      );
      back.push(await timedInPage(page, SELECT, ''));
    }
    record('switch to one recording (ms)', switches);
    record('switch back to all recordings (ms)', back);
    const scrolls = [];
    for (let i = 1; i <= 10; i++)
      scrolls.push(await timedInPage(page, 'window.scrollTo(0, value)', (i * 30_000) % 300_000));
    record('scroll jump to another part of the list (ms)', scrolls);
  }
  await page.close();
  await receiver.close();
}

// 2. EVENTS recordings of one event each.
{
  const receiver = await startReceiver({ apiKey: KEY, print: false });
  await fill(receiver, EVENTS, (n) => event(n, EVENTS));
  const { page } = await openPage(receiver);
  const renders = [];
  for (let round = 0; round < 3; round++)
    renders.push(await firstRender(page, receiver, new RegExp(`^${EVENTS} of ${EVENTS} events`)));
  record(`first render, ${EVENTS} recordings of one event (ms)`, renders, '≤ 1000');
  const switches = [];
  for (let i = 0; i < 10; i++) {
    switches.push(await timedInPage(page, SELECT, `rec-${(i * 37).toString(36).padStart(4, '0')}`));
    switches.push(await timedInPage(page, SELECT, ''));
  }
  record(`switch recording and back, ${EVENTS} recordings (ms)`, switches);
  await page.close();
  await receiver.close();
}

// 3. The page's heap against its cap: 3 × EVENTS posted while the page is open (the
// receiver keeps 10,000, so does the page), then 1,500 × 64 KiB with the receiver at 16 MiB.
{
  const receiver = await startReceiver({ apiKey: KEY, print: false });
  const { page, cdp } = await openPage(receiver);
  await firstRender(page, receiver, /No events yet/);
  for (let round = 1; round <= 3; round++) {
    await fill(receiver, EVENTS, (n) => ({ ...event(n, 50), title: `round ${round} event ${n}` }));
    await page.waitForFunction(
      (n) => (document.getElementById('summary')?.textContent ?? '').startsWith(`${n} of ${n}`),
      Math.min(10_000, round * EVENTS),
    );
    record(
      `JS heap after ${round * EVENTS} events posted live (MiB)`,
      await heapMiB(cdp),
      'flat past the cap',
    );
  }
  await page.close();
  await receiver.close();
}
{
  const receiver = await startReceiver({ apiKey: KEY, print: false, maxBytes: 16 * 1024 * 1024 });
  const { page, cdp } = await openPage(receiver);
  await firstRender(page, receiver, /No events yet/);
  const big = 'y'.repeat(64 * 1024);
  for (let round = 1; round <= 3; round++) {
    await fill(receiver, 500, (n) => ({ ...event(n, 5), payload: big, title: `r${round} ${n}` }));
    await page.waitForFunction(
      (t) => document.querySelector('.event .title')?.textContent?.startsWith(t),
      `r${round} `,
    );
    record(
      `JS heap after ${round * 500} × 64 KiB, receiver at 16 MiB (MiB)`,
      await heapMiB(cdp),
      'flat past the cap',
    );
  }
  await page.close();
  await receiver.close();
}

// 4. One 1 MiB payload (and a 64 KiB title without breaks): shown collapsed, then opened.
{
  const receiver = await startReceiver({ apiKey: KEY, print: false });
  const { page } = await openPage(receiver);
  await firstRender(page, receiver, /No events yet/);
  const arrive = [];
  const opens = [];
  for (let i = 0; i < 5; i++) {
    const title = `big ${i} ${'w'.repeat(64 * 1024)}`;
    const start = performance.now();
    await post(receiver, { ...event(i, 1), payload: 'z'.repeat(1_000_000 - 70 * 1024), title });
    await page.waitForFunction(
      (t) => document.querySelector('.event .title')?.textContent?.startsWith(t),
      `big ${i} `,
      { polling: 'raf' },
    );
    arrive.push(performance.now() - start);
    opens.push(
      await timedInPage(page, "document.querySelector('.event .summary-line').click()", null),
    );
    await timedInPage(page, "document.querySelector('.event .summary-line').click()", null);
  }
  record('1 MiB event: post to row on screen, collapsed (ms)', arrive, '≤ 200');
  record('1 MiB event: open the row (cut at 16 KiB) (ms)', opens);
  await page.close();
  await receiver.close();
}

await browser.close();
agent.destroy();

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const browserVersion = browser.version();
process.stdout.write(
  `\nReceiver page, headless Chromium ${browserVersion}, Node ${process.version}, ${EVENTS} events\n\n` +
    '| measure | median | min–max | runs | goal |\n| --- | ---: | ---: | ---: | --- |\n' +
    results
      .map(
        (r) =>
          `| ${r.what} | ${fmt(r.median)} | ${fmt(r.min)}–${fmt(r.max)} | ${r.n} | ${r.goal} |`,
      )
      .join('\n') +
    '\n',
);
