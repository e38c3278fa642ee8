// A small Nest app with replaylink. Run it with `npx tsx examples/nestjs/app.ts`
// (add `fastify` as an argument for the Fastify platform), then:
//   curl -H 'X-OpenReplay-SessionToken: demo.token' localhost:3000/orders/7
// Dependencies are injected with explicit @Inject(…): tsx, like esbuild, emits no
// decorator metadata.
import 'reflect-metadata';
import { Controller, Get, Inject, Injectable, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ReplayLinkModule, ReplayLinkService } from 'replaylink/nestjs';

@Injectable()
class OrdersService {
  async load(id: string) {
    console.log(`loading order ${id}`); // → [openReplaySessionToken=…] loading order 7
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (id === '0') throw new Error('payment service unavailable'); // forwarded once
    return { id };
  }
}

@Controller('orders')
class OrdersController {
  constructor(
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(ReplayLinkService) private readonly replaylink: ReplayLinkService,
  ) {}

  @Get(':id')
  async get(@Param('id') id: string) {
    const order = await this.orders.load(id);
    return { ...order, requestId: this.replaylink.context()?.requestId };
  }
}

@Module({
  imports: [ReplayLinkModule.forRoot()],
  controllers: [OrdersController],
  providers: [OrdersService],
})
class AppModule {}

const port = Number(process.env.PORT ?? 3000);
const app =
  process.argv[2] === 'fastify'
    ? await NestFactory.create(AppModule, new FastifyAdapter())
    : await NestFactory.create(AppModule);
app.enableShutdownHooks(); // flushes queued events on SIGTERM
await app.listen(port, '127.0.0.1');
console.log(`listening on http://127.0.0.1:${port}`);
