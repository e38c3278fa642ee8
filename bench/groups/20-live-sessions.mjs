const server = (name) => ({ file: 'live.mjs', name });

export default {
  kind: 'http',
  title:
    'Live sessions registry on vs context only (Express 5, 1,000 distinct session tokens in rotation)',
  bare: 'context',
  rotate: 1000,
  configurations: [
    { id: 'context', label: 'expressMiddleware(), context only', server: server('contextOnly') },
    { id: 'live', label: 'expressMiddleware({ liveSessions })', server: server('registry') },
  ],
  notes: ['The ratio here is to replaylink without the registry, not to a bare app.'],
};
