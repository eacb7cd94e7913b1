export { interleave, jitter } from './interleave.js';
export { simulateQuadraticRun, type QuadraticRunOptions, type SimulatedEvent } from './quadratic-run.js';
