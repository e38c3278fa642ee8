// `node --import replaylink/register app.js` or `node --require replaylink/register app.js`
// (or either in NODE_OPTIONS): replaylink from the environment, with no application code.
import { isMainThread, parentPort } from 'node:worker_threads';
import { startFromEnvironment } from '../src/index.js';
import { hookFrameworks } from './register/frameworks.js';

// Node runs the preloads again in its own module-loader thread (the one `module.register`
// starts), which serves no request: nothing is started or said twice there. Every worker
// the application starts has a `parentPort`; that thread has none.
const loaderThread = !isMainThread && parentPort === null;

// Loaded twice (both flags, or both builds), the second start finds everything in place.
if (!loaderThread && startFromEnvironment()) hookFrameworks();
