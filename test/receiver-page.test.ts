/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { expressErrorHandler, expressMiddleware } from '../adapters/express.js';
import {
  captureException,
  close,
  flush,
  init,
  log,
  runWithContext,
  startReceiver,
} from '../src/index.js';
import { captureOutput, inZone, request, serve } from './helpers.js';
import { findBrowser, launchBrowser } from './services.js';

const { command: CHROMIUM, skip } = findBrowser();

const KEY = 'page-test-key';
const ARTIFACTS = new URL('./artifacts/', import.meta.url);
const DOCS_SHOT = new URL('../docs/receiver.png', import.meta.url);
const CHECKOUT = 'rec-checkout-7f3a21';
const SEARCH = 'rec-search-91bc04';

interface Cart {
  items: { sku: string; price?: { amount: number } }[];
}
// The app's own code: its frame must stand out from express's in the stack.
function totalOf(cart: Cart): number {
  return cart.items.reduce((sum, item) => sum + (item.price as { amount: number }).amount, 0);
}

function app(): RequestListener {
  const a = express();
  a.use(expressMiddleware());
  a.post('/checkout', (_req, res) => {
    console.info('checkout started for 2 items');
    console.warn('inventory service slow: 812 ms');
    const total = totalOf({ items: [{ sku: 'A-1', price: { amount: 5 } }, { sku: 'B-2' }] });
    res.json({ total });
  });
  a.get('/search', (req, res) => {
    console.info(`search "${String(req.query.q)}" returned 3 results`);
    console.error('ranking model timed out; fell back to recency');
    res.json([]);
  });
  a.use((err: Error, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
    captureException(err, {
      cart: { items: 2, coupon: null },
    });
    next(err);
  });
  a.use(expressErrorHandler());
  a.use((_err: Error, _req: express.Request, res: express.Response, _next: unknown) => {
    res.status(500).json({ error: 'checkout failed' });
  });
  return a as unknown as RequestListener;
}

describe('the receiver page in Chromium', { skip }, () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let browser: Browser;
  let page: Page;
  const output = captureOutput();

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    receiver = await startReceiver({ apiKey: KEY, print: false }, 0, '127.0.0.1');
    init({ apiKey: KEY, endpoint: receiver.url, origin: 'shop-api', forward: { logs: 'info' } });
    browser = await launchBrowser(CHROMIUM!);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    page.setDefaultTimeout(10_000);
  });

  after(async () => {
    await browser?.close();
    await close();
    output.restore();
    await receiver?.close();
  });

  /** Real traffic through the real transport: a recorded checkout that fails, a search. */
  async function traffic(): Promise<void> {
    await inZone(async () => {
      const server = await serve(app());
      try {
        await request(`${server.url}/checkout`, {
          method: 'POST',
          headers: { 'br-recording-uuid': CHECKOUT },
        });
        await request(`${server.url}/search?q=boots`, {
          headers: { 'br-recording-uuid': SEARCH },
        });
      } finally {
        await server.close();
      }
      runWithContext({ recordingId: SEARCH }, () =>
        log('<img src=x onerror="window.__pwned=1">', {
          level: 'warn',
          metadata: { q: '</script>' },
        }),
      );
      assert.equal(await flush(5000), true);
    });
  }

  const rows = () => page.locator('.event');
  const waitFor = (fn: () => boolean) => page.waitForFunction(fn);
  /** Waits for the list to show `n` rows (it renders on the next frame), then checks. */
  const rowCount = async (n: number) => {
    await page
      .waitForFunction((count) => document.querySelectorAll('.event').length === count, n, {
        timeout: 5000,
      })
      .catch(() => undefined);
    assert.equal(await rows().count(), n);
  };

  test('without a key the page asks for one, and a wrong key gets a clear message', async () => {
    await traffic();
    assert.equal(receiver.events.length, 6, JSON.stringify(receiver.events.map((e) => e.title)));
    await page.goto(`${receiver.base}/`);
    await page.locator('#key-input').fill('not-the-key');
    await page.locator('#key-form button[type=submit]').click();
    await page.locator('#key-error').waitFor({ state: 'visible' });
    assert.match(await page.locator('#key-error').innerText(), /refused this API key/);
    await page.screenshot({ path: new URL('wrong-key.png', ARTIFACTS).pathname });
    await page.locator('#key-input').fill(KEY);
    await page.keyboard.press('Enter');
    await page.locator('.group-head').first().waitFor();
    assert.equal(await page.locator('#key-form').isHidden(), true);
  });

  test('events are grouped by recording, newest group first, with counts and a time span', async () => {
    await waitFor(() => document.querySelectorAll('.event').length === 6);
    const headers = await page.locator('.group-head').allInnerTexts();
    assert.equal(headers.length, 2);
    assert.match(headers[0] ?? '', new RegExp(SEARCH));
    assert.match(headers[0] ?? '', /0 exceptions · 3 logs · [\d:.]+ – [\d:.]+ \(\d+ ms\)/);
    assert.match(headers[1] ?? '', new RegExp(CHECKOUT));
    assert.match(headers[1] ?? '', /1 exception · 2 logs/);
    const titles = await page.locator(`.event[data-uuid="${SEARCH}"] .title`).allInnerTexts();
    assert.deepEqual(titles.toSorted(), [
      '<img src=x onerror="window.__pwned=1">',
      'ranking model timed out; fell back to recency',
      'search "boots" returned 3 results',
    ]);
    const times = await page
      .locator('.group-head')
      .evaluateAll((heads) =>
        heads.map((head) =>
          Array.from(
            document.querySelectorAll(`.event[data-uuid="${head.getAttribute('data-uuid')}"]`),
          ).map((e) => Number(e.getAttribute('data-timestamp'))),
        ),
      );
    for (const group of times)
      assert.deepEqual(
        group,
        group.toSorted((a, b) => b - a),
        'newest first',
      );
    assert.equal(await page.evaluate(() => 'pwned' in window || '__pwned' in window), false);
    assert.equal(await page.locator('#rows img').count(), 0, 'event text is never markup');
  });

  test('an exception expands to its stack, breadcrumbs and metadata tree', async () => {
    const exception = page.locator('.event.type-exception').first();
    await exception.locator('.summary-line').click();
    const stack = exception.locator('.stack');
    await stack.waitFor();
    assert.match(await stack.locator('.line').first().innerText(), /^TypeError: Cannot read/);
    const app = await stack.locator('.line.app').allInnerTexts();
    const vendor = await stack.locator('.line.vendor').allInnerTexts();
    assert.ok(
      app.some((l) => /totalOf/.test(l) && /receiver-page\.test\.ts/.test(l)),
      app.join(),
    );
    assert.ok(
      vendor.length > 0 && vendor.every((l) => /node_modules|node:|\(<anonymous>\)$/.test(l)),
    );
    const weights = await stack.evaluate((pre) =>
      ['.line.app', '.line.vendor'].map(
        (selector) => getComputedStyle(pre.querySelector(selector) as Element).fontWeight,
      ),
    );
    assert.ok(Number(weights[0]) > Number(weights[1]), `app ${weights[0]} vendor ${weights[1]}`);
    const crumbs = await exception.locator('.crumbs li').allInnerTexts();
    // The request's own lines before the error, as the breadcrumbs option collects them.
    assert.equal(crumbs.length, 2, crumbs.join(' | '));
    assert.match(crumbs[0] ?? '', /\+\d+ ms\s+info\s+checkout started for 2 items/i);
    assert.match(crumbs[1] ?? '', /\+\d+ ms\s+warn\s+inventory service slow: 812 ms/i);
    const metadata = exception.locator('.metadata');
    assert.match(await metadata.innerText(), /"route": "\/checkout"/);
    assert.match(await metadata.innerText(), /"method": "POST"/);
    assert.match(await metadata.innerText(), /"coupon": null/);
  });

  test('a new event appears live, without a reload, keeping scroll and open rows', async () => {
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 1;
      window.scrollTo(0, 200);
    });
    const open = page.locator('.event.type-exception .summary-line').first();
    const top = async () => (await open.boundingBox())?.y ?? Number.NaN;
    const before = await top();
    await inZone(async () => {
      runWithContext({ recordingId: CHECKOUT }, () =>
        log('payment retried with backup provider', { level: 'warn' }),
      );
      await flush(5000);
    });
    await page.getByText('payment retried with backup provider').waitFor();
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 1);
    assert.equal(await page.locator('.event.type-exception.open').count(), 1);
    assert.match(
      await page.locator(`.group-head[data-uuid="${CHECKOUT}"]`).innerText(),
      /1 exception · 3 logs/,
    );
    assert.equal(await page.evaluate(() => window.scrollY), 200, 'the page did not scroll');
    // The new row lands above it in the same group: it may move down by that one row, no more.
    const moved = (await top()) - before;
    assert.ok(moved >= 0 && moved < 60, `the open row moved ${moved} px`);
  });

  test('filters narrow by type, level, recording and text', async () => {
    // Each filter is cleared and the full list awaited before the next one: otherwise the
    // next count can be met by the rows of the previous filter, not yet redrawn.
    await page.locator('#f-type').selectOption('exception');
    await rowCount(1);
    await page.locator('#f-type').selectOption('');
    await rowCount(7);
    await page.locator('#f-level').selectOption('warn');
    await rowCount(3);
    await page.locator('#f-level').selectOption('');
    await rowCount(7);
    await page.locator('#f-uuid').selectOption(SEARCH);
    await rowCount(3);
    assert.equal(await page.locator(`.group-head[data-uuid="${CHECKOUT}"]`).count(), 0);
    await page.locator('#f-uuid').selectOption('');
    await rowCount(7);
    await page.locator('#f-text').fill('BOOTS');
    await rowCount(1);
    await page.locator('#f-text').fill('');
    await rowCount(7);
  });

  test('"Copy as JSON" puts the shown events on the clipboard as parseable JSON', async () => {
    await page
      .context()
      .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: receiver.base });
    await page.locator('#f-uuid').selectOption(SEARCH);
    await rowCount(3);
    const shown = await rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    assert.equal(shown.length, 3);
    await page.evaluate(() => navigator.clipboard.writeText(''));
    await page.locator('#copy').click();
    await page.waitForFunction(async () => (await navigator.clipboard.readText()) !== '');
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as {
      id: number;
      uuid: string;
      title: string;
      metadata: unknown;
    }[];
    assert.deepEqual(copied.map((e) => String(e.id)).toSorted(), shown.toSorted());
    assert.ok(copied.every((e) => e.uuid === SEARCH));
    const stored = receiver.events.filter((e) => e.uuid === SEARCH).map((e) => e.title);
    assert.deepEqual(copied.map((e) => e.title).toSorted(), stored.toSorted());
    // Metadata is copied as a tree, not as the JSON text the API carries.
    assert.ok(copied.some((e) => typeof e.metadata === 'object' && e.metadata !== null));
    await page.locator('#f-uuid').selectOption('');
  });

  test('it is usable by keyboard and at 360 px without horizontal scrolling', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    // The README's picture is refreshed on request only, so a test run leaves the tree clean.
    const shot = process.env.REPLAYLINK_UPDATE_SCREENSHOT === '1' ? DOCS_SHOT.pathname : undefined;
    await page.screenshot({
      path: shot ?? new URL('page-1440.png', ARTIFACTS).pathname,
      fullPage: false,
    });
    await page.locator('#f-text').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'copy');
    const outline = await page.evaluate(
      () => getComputedStyle(document.activeElement as Element).outlineStyle,
    );
    assert.equal(outline, 'solid');
    await page.screenshot({ path: new URL('page-1440.png', ARTIFACTS).pathname, fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: new URL('page-1440-dark.png', ARTIFACTS).pathname });
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(background, 'rgb(247, 247, 248)');
    await page.setViewportSize({ width: 360, height: 800 });
    await page.waitForFunction(() => window.innerWidth === 360);
    assert.ok(
      (await page.evaluate(() => document.documentElement.scrollWidth)) <= 360,
      'no horizontal scroll',
    );
    await page.screenshot({ path: new URL('page-360.png', ARTIFACTS).pathname, fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  test('clear asks first, then empties the receiver', async () => {
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.locator('#clear').click();
    await rowCount(7);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('#clear').click();
    await waitFor(() => document.querySelectorAll('.event').length === 0);
    assert.match(await page.locator('#summary').innerText(), /No events yet/);
    assert.equal(receiver.events.length, 0);
  });
});
