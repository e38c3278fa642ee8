import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import {
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  Catch,
  Controller,
  type ExceptionFilter,
  ForbiddenException,
  Get,
  HttpException,
  Inject,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestInterceptor,
  type NestModule,
  Param,
  type PipeTransform,
  type Type,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { map, type Observable } from 'rxjs';
import { ReplayLinkModule, ReplayLinkService } from '../adapters/nestjs.js';
import { flush, type ReplayLinkOptions } from '../src/index.js';
import { delay, request, serve, useReceiver, withOutput } from './helpers.js';
import { NEST } from './matrix/nest-version.js';

const KEY = 'sk_nest_key';
const receiver = useReceiver(KEY);

const options = (): ReplayLinkOptions => ({
  apiKey: KEY,
  endpoint: receiver.url,
  forward: { exceptions: true, logs: false },
});
const titles = () => receiver.events.filter((e) => e.type === 'exception').map((e) => e.title);
const REC = { 'br-recording-uuid': 'rec-nest' };

@Injectable()
class BrokenGuard implements CanActivate {
  async canActivate(): Promise<boolean> {
    await delay(1);
    throw new Error('guard broke');
  }
}

@Injectable()
class ForbiddingGuard implements CanActivate {
  canActivate(): boolean {
    throw new ForbiddenException();
  }
}

@Injectable()
class BrokenPipe implements PipeTransform {
  transform(): never {
    throw new Error('pipe broke');
  }
}

@Injectable()
class BrokenInterceptor implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map(() => {
        throw new Error('interceptor broke');
      }),
    );
  }
}

@Injectable()
class OrdersService {
  async load(id: string): Promise<never> {
    await delay(1);
    throw new Error(`service broke ${id}`);
  }
}

@Controller()
class OrdersController {
  constructor(
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(ReplayLinkService) private readonly replaylink: ReplayLinkService,
  ) {}

  @Get('guard')
  @UseGuards(BrokenGuard)
  guard() {
    return 'unreachable';
  }

  @Get('forbidden')
  @UseGuards(ForbiddingGuard)
  forbidden() {
    return 'unreachable';
  }

  @Get('pipe/:id')
  pipe(@Param('id', BrokenPipe) id: string) {
    return id;
  }

  @Get('interceptor')
  @UseInterceptors(BrokenInterceptor)
  interceptor() {
    return 'value';
  }

  @Get('service/:id')
  service(@Param('id') id: string) {
    return this.orders.load(id);
  }

  @Get('teapot')
  teapot() {
    throw new HttpException('short and stout', 418);
  }

  @Get('context')
  context() {
    this.replaylink.captureException(new Error('captured by hand'));
    this.replaylink.log('logged by hand', { level: 'warn' });
    return this.replaylink.context() ?? {};
  }
}

/** An app's own catch-all filter: it must keep shaping the response. */
@Catch()
class ShapingFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost) {
    const reply = host.switchToHttp().getResponse();
    const status = exception instanceof HttpException ? exception.getStatus() : 503;
    const body = JSON.stringify({ shaped: true, status });
    if (typeof reply.code === 'function') reply.code(status).send(body);
    else reply.status(status).send(body);
  }
}

function appModule(imports: unknown[]) {
  @Module({
    imports: imports as never[],
    controllers: [OrdersController],
    providers: [OrdersService],
  })
  class AppModule implements NestModule {
    // The app's own middleware: registered after the global ReplayLinkModule's, so it runs
    // in the request's context, and its errors reach Nest's exception handling too.
    configure(consumer: MiddlewareConsumer) {
      consumer.apply(appMiddleware).forRoutes('*');
    }
  }
  return AppModule;
}

function appMiddleware(req: IncomingMessage, _res: unknown, next: () => void) {
  if (req.headers['x-log'] !== undefined) console.log('app middleware');
  if (req.headers['x-fail'] !== undefined) throw new Error('middleware broke');
  next();
}

async function startNest(platform: string, module: Type, filter = false) {
  const app =
    platform === 'express'
      ? await NestFactory.create(module, { logger: false })
      : await NestFactory.create(module, new FastifyAdapter(), { logger: false });
  if (filter) app.useGlobalFilters(new ShapingFilter());
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

for (const platform of ['express', 'fastify']) {
  describe(`nestjs ${NEST} on ${platform}`, () => {
    test('errors from a guard, a pipe, an interceptor and a service each reach the receiver once', async () => {
      await withOutput(options(), async () => {
        const { app, url } = await startNest(platform, appModule([ReplayLinkModule.forRoot()]));
        try {
          for (const path of ['guard', 'pipe/1', 'interceptor', 'service/2']) {
            const reply = await request(`${url}/${path}`, { headers: REC });
            assert.equal(reply.status, 500, path);
            assert.deepEqual(JSON.parse(reply.body), {
              statusCode: 500,
              message: 'Internal server error',
            });
          }
          await flush();
        } finally {
          await app.close();
        }
      });
      assert.deepEqual(titles(), [
        'Error: guard broke',
        'Error: pipe broke',
        'Error: interceptor broke',
        'Error: service broke 2',
      ]);
    });

    test("the app's own middleware runs in the context; its errors are forwarded once", async () => {
      await withOutput(options(), async (output) => {
        const { app, url } = await startNest(platform, appModule([ReplayLinkModule.forRoot()]));
        try {
          const logged = await request(`${url}/context`, {
            headers: { 'x-log': '1', 'x-openreplay-sessiontoken': 'tok-mw' },
          });
          assert.equal(logged.status, 200);
          const failed = await request(`${url}/context`, { headers: { ...REC, 'x-fail': '1' } });
          assert.equal(failed.status, 500);
          await flush();
        } finally {
          await app.close();
        }
        assert.equal(output.stdout(), '[openReplaySessionToken=tok-mw] app middleware\n');
      });
      assert.deepEqual(titles(), ['Error: middleware broke']);
    });

    test('HttpException below 500 is answered as before and not forwarded', async () => {
      await withOutput(options(), async () => {
        const { app, url } = await startNest(platform, appModule([ReplayLinkModule.forRoot()]));
        try {
          assert.equal((await request(`${url}/forbidden`, { headers: REC })).status, 403);
          const teapot = await request(`${url}/teapot`, { headers: REC });
          assert.equal(teapot.status, 418);
          assert.equal(JSON.parse(teapot.body).message, 'short and stout');
          assert.equal((await request(`${url}/nowhere`, { headers: REC })).status, 404);
          await flush();
        } finally {
          await app.close();
        }
      });
      assert.deepEqual(titles(), []);
    });

    test("the app's own exception filter still shapes the response", async () => {
      await withOutput(options(), async () => {
        const { app, url } = await startNest(
          platform,
          appModule([ReplayLinkModule.forRoot()]),
          true,
        );
        try {
          const broken = await request(`${url}/service/3`, { headers: REC });
          assert.deepEqual([broken.status, broken.body], [503, '{"shaped":true,"status":503}']);
          const forbidden = await request(`${url}/forbidden`, { headers: REC });
          assert.deepEqual(
            [forbidden.status, forbidden.body],
            [403, '{"shaped":true,"status":403}'],
          );
          await flush();
        } finally {
          await app.close();
        }
      });
      assert.deepEqual(titles(), ['Error: service broke 3']);
    });

    test('ReplayLinkService gives the context, captures and logs; shutdown flushes', async () => {
      let body: Record<string, unknown> = {};
      await withOutput(options(), async () => {
        const { app, url } = await startNest(platform, appModule([ReplayLinkModule.forRoot()]));
        try {
          const reply = await request(`${url}/context`, {
            headers: { ...REC, 'x-openreplay-sessiontoken': 'tok-nest' },
          });
          body = JSON.parse(reply.body);
        } finally {
          // No flush() here: closing the app runs onApplicationShutdown, which flushes.
          await app.close();
        }
        assert.deepEqual(
          receiver.events.map((e) => [e.type, e.title || e.payload, e.uuid]),
          [
            ['exception', 'Error: captured by hand', 'rec-nest'],
            ['log', 'logged by hand', 'rec-nest'],
          ],
        );
      });
      assert.equal(body.sessionToken, 'tok-nest');
      assert.equal(body.recordingId, 'rec-nest');
    });

    test('forRootAsync takes its options from ConfigService', async () => {
      await withOutput(undefined, async (output) => {
        const config = ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [() => ({ tokenHeader: 'x-session' })],
        });
        const replaylink = ReplayLinkModule.forRootAsync({
          imports: [config],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            headers: { sessionToken: config.get<string>('tokenHeader') ?? '' },
          }),
        });
        const { app, url } = await startNest(platform, appModule([replaylink]));
        try {
          const reply = await request(`${url}/context`, {
            headers: { 'x-session': 'from-config' },
          });
          assert.equal(JSON.parse(reply.body).sessionToken, 'from-config');
        } finally {
          await app.close();
        }
        assert.equal(output.stdout(), '');
      });
    });
  });
}

test(`nestjs ${NEST}: the platform served by another server (serverless style) still gets the context`, async () => {
  await withOutput(undefined, async () => {
    const app = await NestFactory.create(appModule([ReplayLinkModule.forRoot()]), {
      logger: false,
    });
    await app.init();
    const server = await serve(app.getHttpAdapter().getInstance());
    try {
      const reply = await request(`${server.url}/context`, {
        headers: { 'x-openreplay-sessiontoken': 'tok-own-server' },
      });
      assert.equal(JSON.parse(reply.body).sessionToken, 'tok-own-server');
    } finally {
      await server.close();
      await app.close();
    }
  });
});
