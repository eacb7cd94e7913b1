export { ProcessorConfig, resolveProcessorConfig, type ProcessorConfigInput } from './config.js';
export { ProcessorEngine, type Output, type ProcessorObserver, type SnapshotRecord } from './engine.js';
export { startProcessor, type ProcessorHandle, type ProcessorOptions, type StateStore } from './pipeline.js';
export { decodeRunSnapshot, encodeRunSnapshot, type RunSnapshot } from './run-snapshot.js';
export { RunEstimator, type EstimateFields } from './run-estimator.js';
export type { ProcessorStats, InvalidReason } from './stats.js';
export { StepJoin, type StepRecord } from './step-join.js';
