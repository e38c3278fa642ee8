// Stand-ins for OpenReplay's backend, written from its Go sources: how it mints session
// tokens (backend/pkg/token/tokenizer.go), the start route the tracker calls, and how its
// log integrations find a session's lines (backend/pkg/integrations/clients/).
import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Bitcoin-alphabet base58, as github.com/btcsuite/btcutil/base58 encodes. */
export function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const byte of bytes) n = n * 256n + BigInt(byte);
  let text = '';
  while (n > 0n) {
    text = BASE58[Number(n % 58n)] + text;
    n /= 58n;
  }
  for (const byte of bytes) {
    if (byte !== 0) break;
    text = `1${text}`;
  }
  return text;
}

/** `base36(id) "." base36(expiry ms) "." base58(HMAC-SHA256(secret, body))`. */
export function mintToken(secret: string, id: bigint, expiresAt: number): string {
  const body = `${id.toString(36)}.${expiresAt.toString(36)}`;
  return `${body}.${base58(createHmac('sha256', secret).update(body).digest())}`;
}

export interface Ingest {
  url: string;
  /** Session ids minted, in order, as decimal text. */
  readonly minted: string[];
  /** Paths the tracker called, in order (`/v1/web/start`, `/v1/web/i`, …). */
  readonly calls: string[];
  close(): Promise<void>;
}

/**
 * A local ingest that answers what the tracker needs: `/v1/web/start` with a fresh
 * session (the fields `App.start` checks: token, userUUID, sessionID, delay…), the batch
 * route `/v1/web/i` and the other GETs with empty answers. CORS-open, as OpenReplay's is.
 */
export async function startIngest(seed: bigint): Promise<Ingest> {
  const secret = randomBytes(16).toString('hex');
  const minted: string[] = [];
  const calls: string[] = [];
  let next = seed;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    calls.push(path);
    res.setHeader('access-control-allow-origin', '*');
    // Reflected: a `*` would not cover the batch route's Authorization header.
    const asked = req.headers['access-control-request-headers'];
    if (asked !== undefined) res.setHeader('access-control-allow-headers', asked);
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    req.resume();
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    if (path === '/v1/web/start') {
      req.on('end', () => {
        const id = next++;
        minted.push(id.toString());
        const reply = {
          token: mintToken(secret, id, Date.now() + 3_600_000),
          userUUID: '00000000-0000-4000-8000-000000000001',
          projectID: '1',
          sessionID: id.toString(),
          startTimestamp: Date.now(),
          delay: 0,
          beaconSizeLimit: 1_000_000,
          compressionThreshold: 24_000,
          canvasEnabled: false,
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
      });
      return;
    }
    if (path === '/v1/web/tags') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"tags":[]}');
      return;
    }
    if (path.startsWith('/v1/web/conditions/')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"conditions":[]}');
      return;
    }
    res.writeHead(200).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    minted,
    calls,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * OpenReplay's CloudWatch integration over a list of log events: the events matching the
 * filter pattern `openReplaySessionToken`, then only those matching `(?i)exception|error`,
 * each with the token read by `(?i)openReplaySessionToken=([0-9a-zA-Z.]+)`.
 */
export function cloudWatchErrors(
  events: readonly string[],
): Array<{ token: string; message: string }> {
  const found: Array<{ token: string; message: string }> = [];
  for (const message of events) {
    // A CloudWatch filter pattern of one bare term matches it case-sensitively.
    if (!message.includes('openReplaySessionToken')) continue;
    if (!/exception|error/i.test(message)) continue;
    const token = /openReplaySessionToken=([0-9a-zA-Z.]+)/i.exec(message)?.[1];
    if (token !== undefined) found.push({ token, message });
  }
  return found;
}

/**
 * The terms an Elasticsearch `standard` analyzer makes of a text, near enough for log
 * lines: lower-cased runs of letters, digits and `_`, a `.` or `'` between two such
 * characters kept inside the term (Unicode word segmentation; it splits on `=`, `[`, `]`).
 */
export function standardTerms(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]+(?:[.'][\p{L}\p{N}_]+)*/gu) ?? [];
}

/**
 * OpenReplay's Elasticsearch client: `match_phrase` of `openReplaySession.id=<id>` on the
 * `message` field, i.e. the phrase's terms appear consecutively in the message's terms.
 */
export function elasticPhraseHits(messages: readonly string[], sessionId: string): string[] {
  const phrase = standardTerms(`openReplaySession.id=${sessionId}`);
  return messages.filter((message) => {
    const terms = standardTerms(message);
    for (let i = 0; i + phrase.length <= terms.length; i++)
      if (phrase.every((term, j) => terms[i + j] === term)) return true;
    return false;
  });
}
