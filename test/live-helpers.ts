import { EventEmitter, once } from 'node:events';
import type { IncomingMessage, RequestListener } from 'node:http';
import express from 'express';
import { expressMiddleware } from '../adapters/express.js';
import { type LiveSessionsOptions, liveSessionsApi } from '../src/index.js';
import { type Reply, request } from './helpers.js';

/** User agents of real browsers. */
export const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  firefoxMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  chromePixel:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36',
  safariIpad:
    'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87',
};

export const API_KEY = 'org-key-3f9a1c';
export const PROJECT = 'web-app';

/** A browser session: what it sends on each request. */
export interface Visitor {
  label: string;
  token?: string;
  sessionId?: string;
  ua: string;
  user?: string;
  anon?: string;
  plan?: string;
  country?: string;
  title?: string;
  requests?: number;
}

export const VISITORS: Visitor[] = [
  {
    label: 's1',
    token: 'tok-alpha.1',
    sessionId: '7001',
    ua: UA.chromeWindows,
    user: 'alice@openreplay.com',
    plan: 'trial',
    country: 'fr',
    title: 'Checkout',
  },
  {
    label: 's2',
    token: 'tok-beta.2',
    ua: UA.firefoxMac,
    user: 'bob@example.com',
    plan: 'free',
    country: 'DE',
    title: 'Home',
    requests: 12,
  },
  {
    label: 's3',
    token: 'tok-gamma.3',
    sessionId: '7003',
    ua: UA.safariIphone,
    user: 'carol@openreplay.com',
    plan: 'pro',
    country: 'US',
    requests: 9,
  },
  {
    label: 's4',
    token: 'tok-delta.4',
    sessionId: '7004',
    ua: UA.chromePixel,
    anon: 'anon-44',
    plan: 'free',
  },
  {
    label: 's5',
    token: 'tok-eps.5',
    sessionId: '7005',
    ua: UA.safariIpad,
    user: 'dave@OpenReplay.com',
    plan: 'Trial',
    country: 'FR',
  },
  // Identity comes with the token that proves the session id (docs/live-sessions.md).
  { label: 's6', token: 'tok-zeta.6', sessionId: '7006', ua: UA.edgeWindows },
];

export const TOKENS = VISITORS.flatMap((v) => (v.token ? [v.token] : []));

type Req = IncomingMessage & {
  user?: { id?: string; anon?: string; plan?: string; label: string };
};

export interface LiveApp {
  app: RequestListener;
  /** Requests finished so far. */
  finished(): number;
  /** Resolves once `n` requests have finished. */
  untilFinished(n: number): Promise<void>;
}

/**
 * An Express app as a user would write it: replaylink first, an auth middleware that sets
 * `req.user` (read by `identify`/`metadata` when the request finishes), the live sessions
 * API, one route.
 */
export function liveApp(live: Partial<LiveSessionsOptions> = {}): LiveApp {
  const events = new EventEmitter();
  let finished = 0;
  const app = express();
  app.use(
    expressMiddleware({
      liveSessions: {
        projectKey: PROJECT,
        countryHeader: 'CF-IPCountry',
        pageTitleHeader: 'x-page-title',
        identify: (req: Req) => ({ userID: req.user?.id, userUUID: req.user?.anon }),
        metadata: (req: Req) => ({ plan: req.user?.plan, label: req.user?.label }),
        ...live,
      },
    }),
  );
  app.use((req, res, next) => {
    res.on('finish', () => {
      finished++;
      events.emit('finish');
    });
    const h = req.headers;
    (req as Req).user = {
      label: String(h['x-label'] ?? ''),
      ...(h['x-user'] ? { id: String(h['x-user']) } : {}),
      ...(h['x-anon'] ? { anon: String(h['x-anon']) } : {}),
      ...(h['x-plan'] ? { plan: String(h['x-plan']) } : {}),
    };
    next();
  });
  app.use(liveSessionsApi({ apiKey: API_KEY }));
  app.get('/page', (_req, res) => {
    res.send('ok');
  });
  return {
    app: app as unknown as RequestListener,
    finished: () => finished,
    async untilFinished(n) {
      while (finished < n) await once(events, 'finish');
    },
  };
}

export function visitorHeaders(v: Visitor): Record<string, string> {
  const h: Record<string, string> = { 'user-agent': v.ua, 'x-label': v.label };
  if (v.token) h['x-openreplay-sessiontoken'] = v.token;
  if (v.sessionId) h['x-openreplay-session-id'] = v.sessionId;
  if (v.user) h['x-user'] = v.user;
  if (v.anon) h['x-anon'] = v.anon;
  if (v.plan) h['x-plan'] = v.plan;
  if (v.country) h['cf-ipcountry'] = v.country;
  if (v.title) h['x-page-title'] = v.title;
  return h;
}

/** Sends each visitor's requests in order; resolves once every one of them has finished. */
export async function visit(base: string, app: LiveApp, visitors: Visitor[]): Promise<void> {
  for (const v of visitors) {
    for (let i = 0; i < (v.requests ?? 1); i++) {
      const target = app.finished() + 1;
      const reply = await request(`${base}/page`, { headers: visitorHeaders(v) });
      if (reply.status !== 200) throw new Error(`visit ${v.label}: ${reply.status}`);
      await app.untilFinished(target);
    }
  }
}

const auth = { authorization: API_KEY };

export function api(base: string, path = '', method = 'GET', body?: unknown): Promise<Reply> {
  return request(`${base}/api/v1/${PROJECT}/assist/sessions${path}`, {
    method,
    headers: { ...auth, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}
