/**
 * The contracts module: every message definition, input/result/progress type, task queue and workflow id of
 * gatesync's processes, one file per target family. The API, the Temporal client layer and the tests import from
 * here, never from workflow bodies (STYLE §5). Deterministic: only @temporalio/workflow, @temporalio/common and types.
 */
export * from './common';
export * from './hikcentral';
export * from './photos';
export * from './terminals';
export * from './devices';
export * from './task-queues';
