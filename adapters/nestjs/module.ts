import {
  type DynamicModule,
  type MiddlewareConsumer,
  Module,
  type ModuleMetadata,
  type NestModule,
} from '@nestjs/common';
import { installExceptionObserver } from './exceptions.js';
import { ReplayLinkMiddleware, ReplayLinkPlatform } from './platform.js';
import { ReplayLinkService } from './service.js';
import { REPLAYLINK_OPTIONS, type ReplayLinkModuleOptions } from './tokens.js';

/** Options of `ReplayLinkModule.forRootAsync`, as Nest's own `forRootAsync` methods take. */
export interface ReplayLinkModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  // biome-ignore lint/suspicious/noExplicitAny: Nest's injection tokens are any-typed.
  inject?: any[];
  useFactory: (
    ...args: never[]
  ) => ReplayLinkModuleOptions | undefined | Promise<ReplayLinkModuleOptions | undefined>;
}

/**
 * Gives every route of a Nest app (Express or Fastify platform) its replaylink context
 * and forwards the server errors Nest's exception handling receives, without changing
 * the app's exception filters or responses. Global: import it once, in the root module.
 *
 * @example
 * @Module({ imports: [ReplayLinkModule.forRoot({ shouldForward: (err) => true })] })
 * export class AppModule {}
 */
@Module({})
export class ReplayLinkModule implements NestModule {
  /** Configures the module with options known up front. */
  static forRoot(options?: ReplayLinkModuleOptions): DynamicModule {
    return ReplayLinkModule.build([], { provide: REPLAYLINK_OPTIONS, useValue: options });
  }

  /**
   * Configures the module with options from other providers, e.g. `ConfigService`.
   *
   * @example
   * ReplayLinkModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ endpoint: config.get('REPLAYLINK_URL') }),
   * });
   */
  static forRootAsync(options: ReplayLinkModuleAsyncOptions): DynamicModule {
    return ReplayLinkModule.build(options.imports ?? [], {
      provide: REPLAYLINK_OPTIONS,
      useFactory: options.useFactory,
      inject: options.inject ?? [],
    });
  }

  private static build(
    imports: NonNullable<ModuleMetadata['imports']>,
    optionsProvider: NonNullable<ModuleMetadata['providers']>[number],
  ): DynamicModule {
    installExceptionObserver();
    return {
      module: ReplayLinkModule,
      global: true,
      imports,
      providers: [optionsProvider, ReplayLinkPlatform, ReplayLinkService],
      exports: [ReplayLinkService],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ReplayLinkMiddleware).forRoutes('*');
  }
}
