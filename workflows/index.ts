// Every workflow the worker registers. Workflow code is deterministic: no I/O, no clocks, no randomness
// except through @temporalio/workflow.
export { retention } from './retention';
export { deliveryShard } from './delivery-shard';
export { sourceConnection } from './source-connection';
export { destinationSync } from './destination-sync';
export { intercomSourceBackfill } from './intercom-source-backfill';
export { cohortSync } from './cohort-sync';
