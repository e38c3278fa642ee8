/**
 * Private state on shared objects, kept off the public surface. Registered symbols: the
 * ESM and CommonJS copies of the package meet on the same objects (a context made by one
 * is read by the other, e.g. `--require replaylink/register` with an ESM app).
 */
export const kPrefix = Symbol.for('replaylink.v2.prefix');
/** Cached tag text and logger fields of a context; see `fields.ts`. */
export const kTags = Symbol.for('replaylink.v2.tags');
export const kContext = Symbol.for('replaylink.v2.context');
/** Per-request facts filled in during the request (route, error); see `RequestFacts`. */
export const kFacts = Symbol.for('replaylink.v2.facts');
/** Global slot, shared by the ESM and CommonJS copies of the package (dual-package hazard). */
export const kGlobalState = Symbol.for('replaylink.state.v2');
/** Marks a WebSocket server replaylink already follows. */
export const kWebSocket = Symbol.for('replaylink.v2.websocket');
/** Set on a context whose recording id header was present but invalid. */
export const kInvalidRecording = Symbol.for('replaylink.v2.invalidRecording');
/** The framework's own request object (Koa `ctx`, Fastify request) on the raw request. */
export const kFrameworkRequest = Symbol.for('replaylink.v2.frameworkRequest');
/** The lines a recorded request wrote, kept for the exception that may follow. */
export const kBreadcrumbs = Symbol.for('replaylink.v2.breadcrumbs');
/** The frozen public view of a context, made on the first `getContext()` of the request. */
export const kView = Symbol.for('replaylink.v2.view');
