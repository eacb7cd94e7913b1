/**
 * Every metric name, defined once: the registry, the dashboards and the alert rules read
 * them from here (docs/design.md, "Metrics"). Units are in the names.
 */
export const METRIC = {
  loss: 'lyap_loss',
  learningRate: 'lyap_learning_rate',
  gradNorm: 'lyap_grad_norm',
  trainingStep: 'lyap_training_step',
  lyapunovExponent: 'lyap_lyapunov_exponent',
  curvature: 'lyap_curvature',
  hessianMaxEigenvalue: 'lyap_hessian_max_eigenvalue',
  stabilityRatio: 'lyap_stability_ratio',
  batchSharpness: 'lyap_batch_sharpness',
  batchStabilityRatio: 'lyap_batch_stability_ratio',
  stabilityBound: 'lyap_stability_bound',
  regime: 'lyap_regime',
  lrCommandsTotal: 'lyap_lr_commands_total',
  eventsTotal: 'lyap_events_total',
  eventsInvalidTotal: 'lyap_events_invalid_total',
  eventLagSeconds: 'lyap_event_lag_seconds',
  controlLoopSeconds: 'lyap_control_loop_seconds',
  consumerLag: 'lyap_consumer_lag',
  trainerInfo: 'lyap_trainer_info',
  liveRuns: 'lyap_metric_runs',
  runsRefusedTotal: 'lyap_metric_runs_refused_total',
} as const;
