import { expressConfigurations, expressTargets } from './10-express.mjs';

export default {
  kind: 'http',
  title: 'Express 5, the same app throwing in 1 % of requests (an error middleware answers 500)',
  bare: 'bare',
  floor: 'floor',
  errorRate: 0.01,
  configurations: expressConfigurations(true),
  targets: expressTargets,
};
