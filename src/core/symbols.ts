// Every key is `Symbol.for`: the ESM and CommonJS builds each load this file, and an
// object made by one build (a context, a request) is read by the other in the same process.

/** Private state on shared objects, kept off the public surface. */
export const kPrefix: unique symbol = Symbol.for('replaylink.prefix');
/** Cached tag text and logger fields of a context; see `fields.ts`. */
export const kTags: unique symbol = Symbol.for('replaylink.tags');
export const kContext: unique symbol = Symbol.for('replaylink.context');
/** Per-request facts filled in during the request (route, error); see `RequestFacts`. */
export const kFacts: unique symbol = Symbol.for('replaylink.facts');
/** Global slot, shared by the ESM and CommonJS copies of the package (dual-package hazard). */
export const kGlobalState: unique symbol = Symbol.for('replaylink.state.v2');
/** Marks a WebSocket server replaylink already follows. */
export const kWebSocket: unique symbol = Symbol.for('replaylink.websocket');
/** Set on a context whose recording id header was present but invalid. */
export const kInvalidRecording: unique symbol = Symbol.for('replaylink.invalidRecording');
/** The framework's own request object (Koa `ctx`, Fastify request) on the raw request. */
export const kFrameworkRequest: unique symbol = Symbol.for('replaylink.frameworkRequest');
/** The lines a recorded request wrote, kept for the exception that may follow. */
export const kBreadcrumbs: unique symbol = Symbol.for('replaylink.breadcrumbs');
/** The frozen public view of a context, made on the first `getContext()` of the request. */
export const kView: unique symbol = Symbol.for('replaylink.view');
/** Brands a `ReplayLinkError`, so `instanceof` holds for one thrown by the other build. */
export const kReplayLinkError: unique symbol = Symbol.for('replaylink.error');
