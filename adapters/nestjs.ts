export { ReplayLinkModule, type ReplayLinkModuleAsyncOptions } from './nestjs/module.js';
export { ReplayLinkService } from './nestjs/service.js';
export { REPLAYLINK_OPTIONS, type ReplayLinkModuleOptions } from './nestjs/tokens.js';
