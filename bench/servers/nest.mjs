// NestJS 11 (Express platform) hello world, one console.log per request; replaylink via
// `ReplayLinkModule.forRoot`. Decorators are applied as plain calls: this file is not compiled.
async function hello(imports) {
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
export const context = async () => hello(await replaylink({ stamp: false }));
export const stamping = async () => hello(await replaylink({}));
