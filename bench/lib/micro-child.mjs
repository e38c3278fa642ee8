// `node micro-child.mjs <group file URL> <configuration id>`: measures once, answers
// `{ metrics }`. Its stdout is discarded, so console output costs a write to /dev/null.
const [file, id] = process.argv.slice(2);

process.once('message', async (settings) => {
  try {
    const { default: group } = await import(file);
    const config = group.configurations.find((c) => c.id === id);
    const metrics = await config.measure(settings);
    process.send({ metrics }, () => process.exit(0));
  } catch (error) {
    if (error?.skip) return process.send({ skipped: error.message }, () => process.exit(0));
    process.send({ error: String(error?.stack ?? error) }, () => process.exit(1));
  }
});
