import 'reflect-metadata';
import type http from 'node:http';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import Router from '@koa/router';
import {
  Controller,
  Get,
  HttpException,
  type INestApplication,
  Inject,
  Module,
  Param,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import express5 from 'express';
import express4 from 'express4';
import fastify5 from 'fastify';
import fastify4 from 'fastify4';
import koa3 from 'koa';
import koa2 from 'koa2';
import { expressErrorHandler, expressMiddleware } from '../../adapters/express.js';
import { fastifyPlugin } from '../../adapters/fastify.js';
import { withReplayLink } from '../../adapters/http.js';
import { koaMiddleware } from '../../adapters/koa.js';
import { ReplayLinkModule } from '../../adapters/nestjs.js';
import type { AdapterEntryOptions } from '../../src/index.js';
import { type Served, serve, served } from '../helpers.js';
import { NEST } from './nest-version.js';
import { bodyOf, matchRoute, type RouteResult, type Routes } from './routes.js';

/**
 * One entry per adapter and framework major. `makeApp` builds a real app that serves
 * `routes` at `GET /r/:name/:id` through the adapter, with the framework's own error
 * handling; `listen` starts it on 127.0.0.1, port 0. A new adapter joins the matrix
 * by adding an entry here.
 */
export interface AdapterEntry<App = unknown> {
  name: string;
  /** `options` are the adapter's options (e.g. `accessLog`), passed the framework's way. */
  makeApp(routes: Routes, options?: AdapterEntryOptions): App | Promise<App>;
  listen(app: App): Promise<Served>;
  /** An error the framework answers with `status` (a client error, for the 4xx case). */
  httpError(status: number, message: string): Error;
  /** The route pattern forwarded errors carry, when the framework has a router. */
  route?: string;
  /**
   * Whether the pattern is also known for a request that ends without an error (access
   * log `$context.routeKey`); without it a successful request logs its raw path.
   */
  routeOnSuccess?: boolean;
}

const statusError = (status: number, message: string) =>
  Object.assign(new Error(message), { status, statusCode: status, expose: true });

function send(res: ServerResponse, result: RouteResult): void {
  if ('stream' in result) {
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    result.stream.pipe(res);
    return;
  }
  const [type, body] = bodyOf(result);
  res.setHeader('content-type', type);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

const serveListener = (app: RequestListener) => serve(app);

const httpEntry: AdapterEntry<RequestListener> = {
  name: 'node:http',
  makeApp(routes, options) {
    const handler = withReplayLink(async (req: IncomingMessage, res: ServerResponse) => {
      const found = matchRoute(routes, req.url);
      if (!found) throw statusError(404, 'no route');
      send(res, await found[0]({ id: found[1], res }));
    }, options);
    // The application's own error handling, around the wrapped handler.
    return (req, res) => {
      handler(req, res).catch((err: { status?: number }) => {
        res.statusCode = err.status ?? 500;
        res.end(res.statusCode >= 500 ? 'internal' : 'client error');
      });
    };
  },
  listen: serveListener,
  httpError: statusError,
};

type Express = typeof express5;

function expressEntry(name: string, express: Express): AdapterEntry<RequestListener> {
  return {
    name,
    makeApp(routes, options) {
      const app = express();
      app.use(expressMiddleware(options));
      app.get('/r/:name/:id', (req, res, next) => {
        const route = routes[req.params.name];
        if (!route) return next();
        route({ id: req.params.id, res }).then((result) => send(res, result), next);
      });
      app.use(expressErrorHandler());
      app.use((err: { status?: number }, _req: unknown, res: ServerResponse, _next: unknown) => {
        res.statusCode = err.status ?? 500;
        res.end(res.statusCode >= 500 ? 'internal' : 'client error');
      });
      return app as unknown as RequestListener;
    },
    listen: serveListener,
    httpError: statusError,
    route: '/r/:name/:id',
    routeOnSuccess: true,
  };
}

type KoaApp = koa3;

function koaEntry(name: string, Koa: typeof koa3): AdapterEntry<KoaApp> {
  return {
    name,
    makeApp(routes, options) {
      const app = new Koa();
      app.silent = true;
      app.use(koaMiddleware(options));
      const router = new Router();
      router.get('/r/:name/:id', async (ctx) => {
        const route = routes[ctx.params.name ?? ''];
        if (!route) throw statusError(404, 'no route');
        const result = await route({ id: ctx.params.id ?? '', res: ctx.res });
        if ('stream' in result) {
          ctx.type = 'text/plain';
          ctx.body = result.stream;
        } else {
          const [type, body] = bodyOf(result);
          ctx.type = type;
          ctx.body = body;
        }
      });
      app.use(router.routes());
      return app;
    },
    listen: (app) => serve(app.callback()),
    httpError: statusError,
    route: '/r/:name/:id',
    routeOnSuccess: true,
  };
}

type FastifyApp = ReturnType<typeof fastify5>;

function fastifyEntry(name: string, Fastify: typeof fastify5): AdapterEntry<FastifyApp> {
  return {
    name,
    async makeApp(routes, options) {
      const app = Fastify();
      await app.register(fastifyPlugin, options ?? {});
      app.get<{ Params: { name: string; id: string } }>('/r/:name/:id', async (req, reply) => {
        const route = routes[req.params.name];
        if (!route) throw statusError(404, 'no route');
        const result = await route({ id: req.params.id, res: reply.raw });
        if ('stream' in result) return reply.type('text/plain').send(result.stream);
        const [type, body] = bodyOf(result);
        return reply.type(type).send(body);
      });
      return app;
    },
    async listen(app) {
      await app.listen({ port: 0, host: '127.0.0.1' });
      return served(app.server, () => app.close());
    },
    httpError: statusError,
    route: '/r/:name/:id',
    routeOnSuccess: true,
  };
}

const ROUTES = Symbol('matrix.routes');

function nestEntry(name: string, platform: 'express' | 'fastify'): AdapterEntry<INestApplication> {
  return {
    name,
    async makeApp(routes, options) {
      @Controller()
      class MatrixController {
        constructor(@Inject(ROUTES) private readonly routes: Routes) {}

        @Get('r/:name/:id')
        async run(
          @Param('name') name: string,
          @Param('id') id: string,
          @Res({ passthrough: true }) reply: { raw?: ServerResponse } & ServerResponse,
        ) {
          const route = this.routes[name];
          if (!route) throw new HttpException('no route', 404);
          const result = await route({ id, res: reply.raw ?? reply });
          if ('stream' in result) return new StreamableFile(result.stream);
          return 'text' in result ? result.text : result.json;
        }
      }
      @Module({
        imports: [ReplayLinkModule.forRoot(options)],
        controllers: [MatrixController],
        providers: [{ provide: ROUTES, useValue: routes }],
      })
      class MatrixModule {}
      return platform === 'express'
        ? NestFactory.create(MatrixModule, { logger: false })
        : NestFactory.create(MatrixModule, new FastifyAdapter(), { logger: false });
    },
    async listen(app) {
      await app.listen(0, '127.0.0.1');
      return served(app.getHttpServer() as http.Server, () => app.close());
    },
    httpError: (status, message) => new HttpException(message, status),
    route: '/r/:name/:id',
    // Nest on Fastify resolves its route pattern only on the error path.
    routeOnSuccess: platform === 'express',
  };
}

export const entries: AdapterEntry[] = [
  httpEntry,
  expressEntry('express 4', express4 as unknown as Express),
  expressEntry('express 5', express5),
  koaEntry('koa 2', koa2 as unknown as typeof koa3),
  koaEntry('koa 3', koa3),
  fastifyEntry('fastify 4', fastify4 as unknown as typeof fastify5),
  fastifyEntry('fastify 5', fastify5),
  nestEntry(`nestjs ${NEST} (express)`, 'express'),
  nestEntry(`nestjs ${NEST} (fastify)`, 'fastify'),
].filter((entry) => entry.name.startsWith(process.env.REPLAYLINK_MATRIX ?? '')) as AdapterEntry[];

/** Builds and starts an entry's app. */
export async function start(
  entry: AdapterEntry,
  routes: Routes,
  options?: AdapterEntryOptions,
): Promise<Served> {
  return entry.listen(await entry.makeApp(routes, options));
}
