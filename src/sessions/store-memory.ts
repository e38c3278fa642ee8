import type { SessionStore } from './store.js';

/**
 * The default store: live sessions stay in this process (the registry's bounded local
 * state), nothing is shared with other instances.
 *
 * @example
 * init({ liveSessions: { projectKey: 'web-app', store: memoryStore() } });
 */
export function memoryStore(): SessionStore {
  return {
    shared: false,
    open() {},
    ready: () => true,
    save: async () => {},
    load: async () => [],
    close: async () => {},
  };
}
