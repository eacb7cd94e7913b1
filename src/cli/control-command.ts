import {
  CONTROL_MODES,
  resolveControllerConfig,
  startController,
  type ControllerConfig,
} from '../controller/index.js';
import { LyapMetrics } from '../metrics/index.js';
import { defineCommand } from './define-command.js';
import { kafkaBusFromFlags } from './kafka-from-flags.js';
import { choiceOption, nonNegativeInteger, positiveNumber } from './options.js';
import { runService } from './service.js';
import { serviceOptions, type ServiceFlags } from './service-options.js';

type ControlFlags = ServiceFlags &
  Pick<ControllerConfig, 'mode' | 'alpha' | 'cooldownSteps' | 'lrMin' | 'lrMax'>;

/** The controller's defaults (src/controller/config.ts). */
const D = resolveControllerConfig();

export const controlCommand = defineCommand<ControlFlags>({
  name: 'control',
  description:
    'Run the learning-rate controller against Kafka: estimates in, lr-command events out ' +
    '(docs/controller.md). Signs commands with LYAP_CONTROL_KEY when it is set.',
  options: (command) =>
    serviceOptions(command, D.groupId)
      .addOption(choiceOption('--mode <mode>', 'observe, advise or control', CONTROL_MODES, D.mode))
      .option(
        '--alpha <a>',
        'quasi-Newton rule: eta = alpha / lambda_max',
        positiveNumber('--alpha'),
        D.alpha,
      )
      .option(
        '--cooldown-steps <n>',
        'steps between quasi-Newton commands',
        nonNegativeInteger('--cooldown-steps'),
        D.cooldownSteps,
      )
      .option('--lr-min <rate>', 'lowest rate a command sets', positiveNumber('--lr-min'), D.lrMin)
      .option('--lr-max <rate>', 'highest rate a command sets', positiveNumber('--lr-max'), D.lrMax),
  run: async (flags) => {
    const key = process.env['LYAP_CONTROL_KEY'];
    const signingKey = key === undefined || key === '' ? undefined : key;
    if (signingKey === undefined && flags.mode !== 'observe') {
      process.stderr.write(
        'lyap control: LYAP_CONTROL_KEY is not set: commands go out unsigned, and trainers apply them only with --accept-unsigned-commands\n',
      );
    }
    const bus = kafkaBusFromFlags(flags.brokers, 'controller');
    return runService({
      name: 'controller',
      bus,
      metrics: new LyapMetrics(),
      metricsHost: flags.metricsHost,
      metricsPort: flags.metricsPort,
      start: () =>
        startController({
          bus,
          signingKey,
          config: {
            mode: flags.mode,
            alpha: flags.alpha,
            cooldownSteps: flags.cooldownSteps,
            lrMin: flags.lrMin,
            lrMax: flags.lrMax,
            groupId: flags.groupId,
            topicPrefix: flags.topicPrefix,
          },
        }),
    });
  },
});
