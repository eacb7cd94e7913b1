export {
  CONTROL_MODES,
  CONTROL_RULES,
  ControllerConfig,
  resolveControllerConfig,
  type ControlMode,
  type ControlRule,
  type ControllerConfigInput,
} from './config.js';
export {
  startController,
  type ControllerHandle,
  type ControllerOptions,
  type ControllerStats,
} from './controller.js';
export { RunControl, type Decision, type NoCommandReason } from './run-control.js';
