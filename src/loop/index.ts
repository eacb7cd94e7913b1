export { runClosedLoop, type ClosedLoopOptions, type ClosedLoopResult } from './closed-loop.js';
export { startCommandWatch, type CommandWatchOptions } from './command-watch.js';
export { countingBus, type CountingBus } from './counting-bus.js';
export {
  startPipeline,
  type DrainResult,
  type InputsOf,
  type Pipeline,
  type PipelineOptions,
  type PipelinePart,
  type SinkContext,
} from './pipeline.js';
