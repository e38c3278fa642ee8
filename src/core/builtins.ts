import { createRequire } from 'node:module';

// Node's built-in modules that start-up does not need, required when first used rather
// than imported. Importing `node:http` from an ES module builds its ESM facade, which
// reads every export, and on Node 22+ one of them (`WebSocket`) loads Node's bundled
// undici; https (TLS), zlib and child_process cost their own compile time. Together
// ≈25 ms of start-up on Node 24 for an app that may use none of them (measured with
// `--import replaylink/register`). `require` caches each module: a call is a lookup.
const load = createRequire(import.meta.url);

export const http = load('node:http') as typeof import('node:http');
export const https = () => load('node:https') as typeof import('node:https');
export const zlib = () => load('node:zlib') as typeof import('node:zlib');
export const childProcess = () => load('node:child_process') as typeof import('node:child_process');
export const crypto = () => load('node:crypto') as typeof import('node:crypto');

let uuid: (() => string) | undefined;

/** `crypto.randomUUID()`, with `node:crypto` loaded at the first call (kept: it runs per request). */
export function randomUUID(): string {
  uuid ??= crypto().randomUUID;
  return uuid();
}
