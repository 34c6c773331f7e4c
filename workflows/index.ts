// Every workflow the worker registers. Workflow code is deterministic: no I/O, no clocks, no randomness
// except through @temporalio/workflow.
export { retention } from './retention';
export { intercomSourceConnection } from './intercom-source';
export { intercomDestinationSync } from './intercom-destination';
export { intercomSourceBackfill } from './intercom-source-backfill';
