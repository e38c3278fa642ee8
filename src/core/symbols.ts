/** Private state on shared objects, kept off the public surface. */
export const kPrefix = Symbol('replaylink.prefix');
/** Cached tag text and logger fields of a context; see `fields.ts`. */
export const kTags = Symbol('replaylink.tags');
export const kContext = Symbol('replaylink.context');
/** Per-request facts filled in during the request (route, error); see `RequestFacts`. */
export const kFacts = Symbol('replaylink.facts');
/** Global slot, shared by the ESM and CommonJS copies of the package (dual-package hazard). */
export const kGlobalState = Symbol.for('replaylink.state.v2');
/** Marks a WebSocket server replaylink already follows. */
export const kWebSocket = Symbol('replaylink.websocket');
/** Set on a context whose recording id header was present but invalid. */
export const kInvalidRecording = Symbol('replaylink.invalidRecording');
/** The framework's own request object (Koa `ctx`, Fastify request) on the raw request. */
export const kFrameworkRequest = Symbol('replaylink.frameworkRequest');
/** The lines a recorded request wrote, kept for the exception that may follow. */
export const kBreadcrumbs = Symbol('replaylink.breadcrumbs');
/** The frozen public view of a context, made on the first `getContext()` of the request. */
export const kView = Symbol('replaylink.view');
