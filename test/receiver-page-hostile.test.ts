/// <reference lib="dom" />
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startReceiver } from '../src/index.js';
import { request } from './helpers.js';
import { findBrowser, launchBrowser } from './services.js';

const { command: CHROMIUM, skip } = findBrowser();

const KEY = 'hostile-page-key';
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const post = (receiver: Receiver, event: Record<string, unknown>) =>
  request(receiver.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'log', level: 'info', timestamp: 1_700_000_000_000, ...event }),
  }).then((reply) => assert.equal(reply.status, 200, reply.body));

/** A POST on a connection of its own (the pooled ones went with a closed receiver). */
function postFresh(receiver: Receiver, event: Record<string, unknown>) {
  return new Promise<void>((resolve, reject) => {
    const req = http.request(
      receiver.url,
      {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ type: 'log', level: 'info', timestamp: 1_700_000_000_000, ...event }));
  });
}

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('the receiver page with hostile events and at volume, in Chromium', { skip }, () => {
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    browser = await launchBrowser(CHROMIUM!);
  });
  after(() => browser?.close());

  async function open(receiver: Receiver): Promise<void> {
    await page?.close();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => errors.push(error.message));
    await page.addInitScript((key) => sessionStorage.setItem('replaylink.receiver.key', key), KEY);
    await page.goto(`${receiver.base}/`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Live');
  }

  const summary = async () => (await page.locator('#summary').textContent()) ?? '';
  const waitSummary = (pattern: RegExp) =>
    page.waitForFunction(
      (source) => new RegExp(source).test(document.getElementById('summary')?.textContent ?? ''),
      pattern.source,
    );

  test('hostile rows open, or open degraded with a note; nothing breaks the page', async () => {
    const receiver = await startReceiver({ apiKey: KEY, print: false });
    try {
      await post(receiver, { uuid: 'rec-time', title: 'far future', timestamp: 9007199254740991 });
      await post(receiver, { uuid: 'rec-deep', title: 'deep metadata', metadata: deep(100_000) });
      await post(receiver, {
        uuid: 'rec-big',
        title: 'big payload',
        payload: 'x'.repeat(1_000_000),
      });
      await post(receiver, { uuid: 'rec-wide', title: 'w'.repeat(64 * 1024) });
      await open(receiver);
      await waitSummary(/^4 of 4 events/);

      const row = (uuid: string) => page.locator(`.event[data-uuid="${uuid}"]`);
      const wide = await row('rec-wide')
        .locator('.title')
        .evaluate((t) => t.textContent?.length);
      assert.ok(
        wide !== undefined && wide < 400,
        `a 64 KiB title put ${wide} characters in its row`,
      );
      assert.equal(
        await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
        true,
        'no horizontal scroll',
      );
      assert.equal(await row('rec-time').locator('.time').textContent(), '--:--:--.---');
      await row('rec-time').locator('.summary-line').click();
      await row('rec-time').locator('.body').waitFor();
      assert.match(
        (await row('rec-time').locator('.body').textContent()) ?? '',
        /timestamp 9007199254740991 is not a valid date/,
      );

      await row('rec-deep').locator('.summary-line').click();
      await row('rec-deep').locator('.body').waitFor();
      assert.match(
        (await row('rec-deep').locator('.body').textContent()) ?? '',
        /nested deeper than 64 levels: shown as text/,
      );

      await row('rec-big').locator('.summary-line').click();
      const more = row('rec-big').locator('button.more');
      await more.waitFor();
      assert.match((await more.textContent()) ?? '', /^Show all \(976\.6 KiB\)$/);
      const cut = await row('rec-big')
        .locator('pre.payload')
        .evaluate((pre) => pre.textContent?.length);
      assert.ok(cut !== undefined && cut < 20_000, `${cut} characters shown before "Show all"`);
      await more.click();
      await page.waitForFunction(
        () =>
          (document.querySelector('.event[data-uuid="rec-big"] pre.payload')?.textContent?.length ??
            0) === 1_000_000,
      );

      assert.deepEqual(errors, []);
    } finally {
      await receiver.close();
    }
  });

  test('"Copy as JSON" works with a pathological event present', async () => {
    const receiver = await startReceiver({ apiKey: KEY, print: false });
    try {
      await post(receiver, { uuid: 'rec-c', title: 'fine', metadata: '{"a":{"b":1}}' });
      await post(receiver, { uuid: 'rec-c', title: 'deep', metadata: deep(100_000) });
      await post(receiver, { uuid: 'rec-c', title: 'time', timestamp: 9007199254740991 });
      await open(receiver);
      await waitSummary(/^3 of 3 events/);
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
        origin: receiver.base,
      });
      await page.evaluate(() => navigator.clipboard.writeText(''));
      await page.locator('#copy').click();
      await page.waitForFunction(async () => (await navigator.clipboard.readText()) !== '');
      const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as {
        title: string;
        metadata: unknown;
      }[];
      assert.deepEqual(copied.map((e) => e.title).toSorted(), ['deep', 'fine', 'time']);
      assert.deepEqual(copied.find((e) => e.title === 'fine')?.metadata, { a: { b: 1 } });
      assert.equal(copied.find((e) => e.title === 'deep')?.metadata, deep(100_000));
      assert.match((await page.locator('#status').textContent()) ?? '', /^Copied 3 events/);
      assert.deepEqual(errors, []);
    } finally {
      await receiver.close();
    }
  });

  test('look-alike recording ids and titles show their invisible and bidi characters', async () => {
    const receiver = await startReceiver({ apiKey: KEY, print: false });
    try {
      await post(receiver, { uuid: 'rec-1', title: 'the real one' });
      await post(receiver, { uuid: 'rec\u200b-1', title: 'zero width' });
      await post(receiver, { uuid: 'rec-1\u202egnp.exe', title: 'right\u202eto left' });
      await open(receiver);
      await waitSummary(/^3 of 3 events in|^3 of 3 events shown/);
      const heads = await page.locator('.group-head h2').allTextContents();
      assert.deepEqual(heads.toSorted(), [
        'rec-1',
        '⚠ invisible or bidi characters rec-1⟨U+202E⟩gnp.exe',
        '⚠ invisible or bidi characters rec⟨U+200B⟩-1',
      ]);
      const options = await page.locator('#f-uuid option').allTextContents();
      assert.deepEqual(options.toSorted(), [
        'all',
        'rec-1',
        '⚠ rec-1⟨U+202E⟩gnp.exe',
        '⚠ rec⟨U+200B⟩-1',
      ]);
      const title = page.locator('.event[data-uuid^="rec-1\u202e"] .title');
      assert.equal(await title.textContent(), '⚠ right⟨U+202E⟩to left');
      assert.equal(await title.locator('.invisible').count(), 1);
      // Choosing the look-alike shows it alone.
      await page.locator('#f-uuid').selectOption({ value: 'rec\u200b-1' });
      await waitSummary(/^1 of 3 events/);
      assert.deepEqual(await page.locator('.event .title').allTextContents(), ['zero width']);
    } finally {
      await receiver.close();
    }
  });

  test('a receiver restarted on the same port: the page notices and shows the new events', async () => {
    let receiver = await startReceiver({ apiKey: KEY, print: false });
    const port = receiver.port;
    try {
      for (let n = 0; n < 5; n++) await post(receiver, { uuid: 'rec-old', title: `old ${n}` });
      await open(receiver);
      await waitSummary(/^5 of 5 events/);
      await receiver.close();
      receiver = await startReceiver({ apiKey: KEY, print: false }, port);
      for (let n = 0; n < 3; n++) await postFresh(receiver, { uuid: 'rec-new', title: `new ${n}` });
      // The page retries every 2 s, then reloads its list from the new receiver.
      await waitSummary(/^3 of 3 events shown in 1 recording$/);
      assert.deepEqual((await page.locator('.event .title').allTextContents()).toSorted(), [
        'new 0',
        'new 1',
        'new 2',
      ]);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Live');
      await postFresh(receiver, { uuid: 'rec-new', title: 'new 3' });
      await waitSummary(/^4 of 4 events/);
    } finally {
      await receiver.close();
    }
  });

  test('only the rows on screen are in the document; the page keeps at most its cap', async () => {
    const receiver = await startReceiver({ apiKey: KEY, print: false, maxEvents: 1500 });
    try {
      for (let n = 0; n < 1200; n++)
        await post(receiver, {
          uuid: `rec-${n % 7}`,
          title: `event ${n}`,
          timestamp: 1_700_000_000_000 + n,
        });
      await open(receiver);
      await waitSummary(/^1200 of 1200 events shown in 7 recordings$/);
      const inDom = await page.locator('.event').count();
      assert.ok(inDom > 10 && inDom < 100, `${inDom} rows in the document`);
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      // The oldest event of the last group (groups never move: rec-0 came first, it is last).
      await page.locator('.event .title', { hasText: /^event 0$/ }).waitFor();
      for (let n = 1200; n < 1600; n++)
        await post(receiver, {
          uuid: `rec-${n % 7}`,
          title: `event ${n}`,
          timestamp: 1_700_000_000_000 + n,
        });
      await waitSummary(
        /^1500 of 1500 events .* · 100 older dropped by the receiver · 100 older let go by this page/,
      );
      assert.match(await summary(), /it keeps 1500 events/);
      await page.locator('#f-text').fill('event 1599');
      await waitSummary(/^1 of 1500 events/);
      assert.deepEqual(await page.locator('.event .title').allTextContents(), ['event 1599']);
      assert.deepEqual(errors, []);
    } finally {
      await receiver.close();
    }
  });
});
