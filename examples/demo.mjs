// `npm start`: builds replaylink if needed, starts a local send API receiver, runs the
// Express example on a free port against it, sends a few requests with and without
// correlation headers, shows the stamped output and the forwarded events, and exits.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(new URL('../dist/src/index.js', import.meta.url))) {
  console.log('building replaylink (first run)…');
  execSync('npm run build --silent', { cwd: root, stdio: 'inherit' });
}

const { close, init, startReceiver } = await import('replaylink');
const { createApp } = await import('./express/app.mjs');

// A local stand-in for BugReplay's fullstack send API: no account, no network.
const receiver = await startReceiver({
  apiKey: 'demo-key',
  print: (line) => console.log(`   ${line}`),
});
init({ apiKey: 'demo-key', endpoint: receiver.url, origin: 'demo-app' });
// One API-Gateway-style access log line per request, from a $context template.
const accessLog = {
  format:
    '$context.requestTime "$context.routeKey" $context.status $context.responseLatency ms session=$context.openReplaySessionToken recording=$context.bugReplayRecordingUuid',
  stream: (line) => console.log(`   [access log] ${line}`),
};
const server = createApp({ accessLog }).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

const show = (title) => console.log(`\n── ${title}`);
const call = async (path, headers = {}) => {
  const reply = await fetch(base + path, { headers });
  await reply.text();
};

show('a request from a recorded OpenReplay session: every line is tagged');
await call('/orders/7', { 'X-OpenReplay-SessionToken': 'demo.token.42' });

show('a BugReplay recording and an error: logs and the error are forwarded to the receiver');
await call('/fail', { 'br-recording-uuid': '6f1c2a9e-4b1d-4c55-9a0e-1f2e3d4c5b6a' });
await call('/orders/3', { 'br-recording-uuid': '6f1c2a9e-4b1d-4c55-9a0e-1f2e3d4c5b6a' });
await new Promise((resolve) => setTimeout(resolve, 100));

show('no correlation header: output is untouched');
await call('/orders/8');

show('a hostile header (brackets in the token, an attempt to forge a tag) is ignored');
await call('/orders/9', { 'X-OpenReplay-SessionToken': 'x]y[z' });

server.close();
await close();
const { events } = await (
  await fetch(`${receiver.base}/events`, { headers: { authorization: `Bearer demo-key` } })
).json();
console.log(`\nthe receiver holds ${events.length} events; the first one as sent:`);
console.log(JSON.stringify(events[0], null, 2));
await receiver.close();
console.log('\ndone.');
