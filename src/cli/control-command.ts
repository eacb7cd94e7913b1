import {
  CONTROL_MODES,
  CONTROL_RULES,
  resolveControllerConfig,
  startController,
  type ControllerConfig,
} from '../controller/index.js';
import { LyapMetrics } from '../metrics/index.js';
import { controlKeysFromEnv } from './control-keys.js';
import { defineCommand } from './define-command.js';
import { kafkaBusFromFlags } from './kafka-from-flags.js';
import {
  choiceOption,
  finiteNumber,
  nonNegativeInteger,
  positiveInteger,
  positiveNumber,
} from './options.js';
import { runService } from './service.js';
import { serviceOptions, type ServiceFlags } from './service-options.js';

type ControlFlags = ServiceFlags &
  Pick<
    ControllerConfig,
    | 'mode'
    | 'rule'
    | 'targetRatio'
    | 'warmupRatio'
    | 'polyakRatio'
    | 'alpha'
    | 'cooldownSteps'
    | 'deadbandLog'
    | 'lrMin'
    | 'lrMax'
    | 'guard'
    | 'horizonSteps'
  >;

/** The controller's defaults (src/controller/config.ts). */
const D = resolveControllerConfig();

export const controlCommand = defineCommand<ControlFlags>({
  name: 'control',
  description:
    'Run the learning-rate controller against Kafka: estimates in, lr-command events out ' +
    '(docs/controller.md). Signs commands with the newest key of LYAP_CONTROL_KEYS (or ' +
    'LYAP_CONTROL_KEYS_FILE, re-read on SIGHUP and on change), else with LYAP_CONTROL_KEY (docs/security.md).',
  options: (command) =>
    serviceOptions(command, D.groupId)
      .addOption(choiceOption('--mode <mode>', 'observe, advise or control', CONTROL_MODES, D.mode))
      .addOption(
        choiceOption(
          '--rule <rule>',
          'how the rate is set: edge (eta*BS = r*(1-mu^2)), gradient-newton (eta = (1-mu)/BS) or quasi-newton (eta = alpha/lambda_max)',
          CONTROL_RULES,
          D.rule,
        ),
      )
      .option(
        '--target-ratio <r>',
        'edge rule: the eta * batch sharpness / (1 - momentum^2) it keeps',
        positiveNumber('--target-ratio'),
        D.targetRatio,
      )
      .option(
        '--warmup-ratio <r>',
        'edge rule: the first rate, answering the warm-up, is r * (1 - momentum^2) / max(lambda_max, BS) at theta0 (past the edge 2 on purpose: the catapult)',
        positiveNumber('--warmup-ratio'),
        D.warmupRatio,
      )
      .option(
        '--polyak-ratio <a>',
        'edge rule: the rate is at least a * (1 - momentum^2) * loss / |gradient|^2, the stochastic Polyak step over the probes since the last change (0: off)',
        finiteNumber('--polyak-ratio', 'a number >= 0', (n) => n >= 0),
        D.polyakRatio,
      )
      .option(
        '--alpha <a>',
        'quasi-newton rule: eta = alpha / lambda_max',
        positiveNumber('--alpha'),
        D.alpha,
      )
      .option(
        '--horizon-steps <n>',
        'runs of known length: the target decays as (1 - step/n)',
        positiveInteger('--horizon-steps'),
      )
      .option('--no-guard', 'do not undo a raise that was followed by a loss rise')
      .option(
        '--cooldown-steps <n>',
        "steps between the rule's commands",
        nonNegativeInteger('--cooldown-steps'),
        D.cooldownSteps,
      )
      .option(
        '--deadband-log <x>',
        'smallest change of log(lr) commanded; 0 commands at every cooldown',
        finiteNumber('--deadband-log', 'a number >= 0', (n) => n >= 0),
        D.deadbandLog,
      )
      .option('--lr-min <rate>', 'lowest rate a command sets', positiveNumber('--lr-min'), D.lrMin)
      .option('--lr-max <rate>', 'highest rate a command sets', positiveNumber('--lr-max'), D.lrMax),
  run: async (flags) => {
    const controlKeys = controlKeysFromEnv(process.env, (level, msg, fields = {}) => {
      process.stderr.write(`${JSON.stringify({ level, role: 'controller', msg, ...fields })}\n`);
    });
    const signingKey = controlKeys.keys;
    if (signingKey === undefined && flags.mode !== 'observe') {
      process.stderr.write(
        'lyap control: neither LYAP_CONTROL_KEYS nor LYAP_CONTROL_KEY is set: commands go out unsigned, and trainers apply them only with --accept-unsigned-commands\n',
      );
    }
    const bus = kafkaBusFromFlags(flags.brokers, 'controller');
    return runService({
      onStop: () => {
        controlKeys.stop();
      },
      name: 'controller',
      bus,
      metrics: new LyapMetrics(),
      metricsHost: flags.metricsHost,
      metricsPort: flags.metricsPort,
      webConfig: flags.webConfig,
      start: () =>
        startController({
          bus,
          signingKey,
          config: {
            mode: flags.mode,
            rule: flags.rule,
            targetRatio: flags.targetRatio,
            warmupRatio: flags.warmupRatio,
            polyakRatio: flags.polyakRatio,
            alpha: flags.alpha,
            guard: flags.guard,
            ...(flags.horizonSteps === undefined ? {} : { horizonSteps: flags.horizonSteps }),
            cooldownSteps: flags.cooldownSteps,
            deadbandLog: flags.deadbandLog,
            lrMin: flags.lrMin,
            lrMax: flags.lrMax,
            groupId: flags.groupId,
            topicPrefix: flags.topicPrefix,
          },
        }),
    });
  },
});
