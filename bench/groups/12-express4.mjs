// Express 4, the same hello world and configurations as the Express 5 group.
import { expressConfigurations, expressNotes, expressTargets } from './10-express.mjs';

export default {
  kind: 'http',
  title: 'Express 4, hello world, one console.log per request (to a discarded stream)',
  requires: ['express4'],
  bare: 'bare',
  floor: 'floor',
  configurations: expressConfigurations(false, 'express4'),
  targets: expressTargets,
  notes: expressNotes,
};
