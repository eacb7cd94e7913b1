import { Command, Option } from 'commander';
import { CONTROL_MODES, startController, type ControlMode } from '../controller/index.js';
import { LyapMetrics } from '../metrics/index.js';
import { kafkaBusFromFlags } from './kafka-from-flags.js';
import { nonNegativeInteger, positiveNumber } from './options.js';
import { runService } from './service.js';
import { serviceOptions, type ServiceFlags } from './service-options.js';

interface ControlFlags extends ServiceFlags {
  mode: ControlMode;
  alpha: number;
  cooldownSteps: number;
  lrMin: number;
  lrMax: number;
}

export function controlCommand(setExit: (code: number) => void): Command {
  return serviceOptions(
    new Command('control').description(
      'Run the learning-rate controller against Kafka: estimates in, lr-command events out ' +
        '(docs/controller.md). Signs commands with LYAP_CONTROL_KEY when it is set.',
    ),
    'lyap-controller',
  )
    .addOption(
      new Option('--mode <mode>', 'observe, advise or control').choices(CONTROL_MODES).default('advise'),
    )
    .option('--alpha <a>', 'quasi-Newton rule: eta = alpha / lambda_max', positiveNumber('--alpha'), 1)
    .option(
      '--cooldown-steps <n>',
      'steps between quasi-Newton commands',
      nonNegativeInteger('--cooldown-steps'),
      20,
    )
    .option('--lr-min <rate>', 'lowest rate a command sets', positiveNumber('--lr-min'), 1e-6)
    .option('--lr-max <rate>', 'highest rate a command sets', positiveNumber('--lr-max'), 10)
    .action(async (flags: ControlFlags) => {
      const key = process.env['LYAP_CONTROL_KEY'];
      const signingKey = key === undefined || key === '' ? undefined : key;
      if (signingKey === undefined && flags.mode !== 'observe') {
        process.stderr.write(
          'lyap control: LYAP_CONTROL_KEY is not set: commands go out unsigned, and trainers apply them only with --accept-unsigned-commands\n',
        );
      }
      const bus = kafkaBusFromFlags(flags.brokers);
      setExit(
        await runService({
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
        }),
      );
    });
}
