// `node --import replaylink/register app.js` or `node --require replaylink/register app.js`
// (or either in NODE_OPTIONS): replaylink from the environment, with no application code.
import { startFromEnvironment } from '../src/index.js';
import { hookFrameworks } from './register/frameworks.js';

// Loaded twice (both flags, or both builds), the second start finds everything in place.
if (startFromEnvironment()) hookFrameworks();
