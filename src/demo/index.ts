export { ACCURACY_SAMPLES, trainingAccuracy } from './accuracy.js';
export {
  runDemo,
  type DemoOptions,
  type DemoResult,
  type DemoRunResult,
  type DemoRunSpec,
  type DemoTrainerSettings,
} from './demo.js';
export { DEFAULT_LR_SPAN, MAX_DEMO_RUNS, spreadLearningRates } from './lr-spread.js';
export { ProgressDisplay, type ProgressDisplayOptions } from './progress-display.js';
export { alertLine, formatNumber, progressLine, progressLines } from './progress-view.js';
export { FINAL_LOSS_STEPS, RunBoard, type BoardRun } from './run-board.js';
export { summarizeRun, type DemoRunSummary } from './run-summary.js';
