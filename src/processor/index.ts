export { ProcessorConfig, resolveProcessorConfig, type ProcessorConfigInput } from './config.js';
export { ProcessorEngine, type Output, type ProcessorObserver } from './engine.js';
export { startProcessor, type ProcessorHandle, type ProcessorOptions } from './pipeline.js';
export { RunEstimator, type EstimateFields } from './run-estimator.js';
export type { ProcessorStats, InvalidReason } from './stats.js';
export { StepJoin, type StepRecord } from './step-join.js';
