const server = (name) => ({ file: 'fetch.mjs', name });

export default {
  kind: 'http',
  title: 'Express 5, each request calls a loopback service with fetch',
  bare: 'bare',
  configurations: [
    { id: 'bare', label: 'bare Express 5 + fetch', server: server('bare') },
    { id: 'context', label: 'expressMiddleware() + fetch', server: server('replaylink') },
    {
      id: 'propagate',
      label: 'expressMiddleware({ propagate }) + fetch to an allowlisted origin',
      server: server('propagate'),
    },
  ],
};
