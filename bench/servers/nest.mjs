// NestJS 11 (Express platform) hello world, one console.log per request; replaylink via
// `ReplayLinkModule.forRoot`. Decorators are applied as plain calls: this file is not compiled.
async function hello(imports, middleware) {
  await import('reflect-metadata');
  const { Controller, Get, Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  class HelloController {
    hello() {
      console.log('hello handled');
      return 'hello';
    }
  }
  const method = Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello');
  Get()(HelloController.prototype, 'hello', method);
  Controller()(HelloController);
  class AppModule {}
  Module({ imports, controllers: [HelloController] })(AppModule);
  const app = await NestFactory.create(AppModule, { logger: false });
  if (middleware) app.use(middleware);
  return {
    async listen() {
      await app.listen(0, '127.0.0.1');
      return app.getHttpServer().address().port;
    },
  };
}

async function replaylink(options) {
  const { ReplayLinkModule } = await import('replaylink/nestjs');
  return [ReplayLinkModule.forRoot(options)];
}

export const bare = () => hello([]);

/** The floor: a bare `AsyncLocalStorage.run(store, next)` middleware holding the token. */
export async function floor() {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const als = new AsyncLocalStorage();
  return hello([], (req, _res, next) =>
    als.run({ sessionToken: req.headers['x-openreplay-sessiontoken'] }, next),
  );
}

/** The peer: nestjs-cls with its own middleware, the token set in `setup`. */
export async function nestjsCls() {
  const { ClsModule } = await import('nestjs-cls');
  const setup = (cls, req) => cls.set('sessionToken', req.headers['x-openreplay-sessiontoken']);
  return hello([ClsModule.forRoot({ global: true, middleware: { mount: true, setup } })]);
}
export const context = async () => hello(await replaylink({ stamp: false }));
export const stamping = async () => hello(await replaylink({}));
