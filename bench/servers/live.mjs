// Live sessions servers: the registry on the request path, and its search API.
import { EventEmitter } from 'node:events';

const LIVE = { projectKey: 'bench', countryHeader: 'cf-ipcountry' };

async function hello(middleware) {
  const { default: express } = await import('express');
  const app = express();
  app.use(middleware);
  app.get('/', (_req, res) => {
    console.log('hello handled');
    res.send('hello');
  });
  return app;
}

export async function contextOnly() {
  const { expressMiddleware } = await import('replaylink/express');
  return hello(expressMiddleware());
}

export async function registry() {
  const { expressMiddleware } = await import('replaylink/express');
  return hello(expressMiddleware({ liveSessions: LIVE }));
}

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
];
const PLANS = ['trial', 'free', 'pro', 'enterprise'];

/** The live sessions API over 10,000 sessions, filled through the request path itself. */
export async function search() {
  const { init, liveSessionsApi, runRequest } = await import('replaylink');
  init({
    liveSessions: {
      ...LIVE,
      identify: (req) => req.headers['x-user'],
      metadata: (req) => ({ plan: req.headers['x-plan'] }),
    },
  });
  for (let i = 0; i < 10_000; i++) {
    const headers = {
      'x-openreplay-sessiontoken': `bench.session.${i}`,
      'user-agent': AGENTS[i % AGENTS.length],
      'cf-ipcountry': ['FR', 'DE', 'US'][i % 3],
      'x-user': `user${i}@${i % 10 === 0 ? 'openreplay' : 'example'}.com`,
      'x-plan': PLANS[i % PLANS.length],
    };
    const req = Object.assign(new EventEmitter(), { headers, method: 'GET', url: '/' });
    const res = new EventEmitter();
    runRequest(req, res, () => res.emit('finish'));
  }
  return liveSessionsApi({ apiKey: 'bench-key' });
}
