import { readFileSync } from 'node:fs';

/** Path → [body, content type] of the page's files. */
export type Assets = Record<string, [string, string]>;

// Built by `npm run build` (scripts/build-page.mjs) into dist/receiver-page/. The receiver's
// code is in a chunk at dist/ when built, and at src/receiver/ when run from source.
const PLACES = ['./receiver-page/', '../receiver-page/', '../../dist/receiver-page/'];
const FILES: [string, string, string][] = [
  ['/', 'index.html', 'text/html'],
  ['/page.js', 'page.js', 'text/javascript'],
  ['/page.css', 'page.css', 'text/css'],
];

const MISSING = `<!doctype html><meta charset="utf-8"><title>replaylink receiver</title>
<p>The receiver's page is not built: run <code>npm run build</code>. The API works without it.</p>
`;

/** The page's files, read once when a receiver is created; a notice page when not built. */
export function loadAssets(): Assets {
  for (const place of PLACES) {
    const dir = new URL(place, import.meta.url);
    try {
      const assets: Assets = {};
      for (const [path, file, type] of FILES)
        assets[path] = [readFileSync(new URL(file, dir), 'utf8'), type];
      return assets;
    } catch {
      // Not there: the next place.
    }
  }
  return { '/': [MISSING, 'text/html'] };
}
