export { runClosedLoop, type ClosedLoopOptions, type ClosedLoopResult } from './closed-loop.js';
