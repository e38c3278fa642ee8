// One benchmark server: `node server-child.mjs <factory file URL> <export> <options JSON>`.
// The factory returns a request listener, or `{ listen() => port }` for frameworks that
// own their server. Its stdout is discarded by the parent, so logs cost a write to /dev/null.
// It answers 'stats' with its peak RSS and the CPU time it has used (µs).
import http from 'node:http';

const [file, name, optionsJson] = process.argv.slice(2);
let peak = process.memoryUsage.rss();
setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 50).unref();

async function listen(app) {
  if (typeof app === 'function') {
    const server = http.createServer(app);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server.address().port;
  }
  return app.listen();
}

process.on('message', (message) => {
  if (message === 'stats') {
    const { user, system } = process.cpuUsage();
    process.send({ peakRss: Math.max(peak, process.memoryUsage.rss()), cpu: user + system });
  }
  if (message === 'exit') process.exit(0);
});
process.on('disconnect', () => process.exit(0));

try {
  const factories = await import(file);
  const make = factories[name];
  if (typeof make !== 'function') throw new Error(`${file} has no server factory ${name}`);
  process.send({ port: await listen(await make(JSON.parse(optionsJson))) });
} catch (error) {
  if (!error?.skip) throw error;
  process.send({ skip: error.message }, () => process.exit(0));
}
