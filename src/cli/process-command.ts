import { Command } from 'commander';
import { topicNames } from '../events/index.js';
// Not ../loop/index.js: that index also exports the closed loop, which loads TensorFlow.js.
import { startCommandWatch } from '../loop/command-watch.js';
import { LyapMetrics } from '../metrics/index.js';
import { startProcessor } from '../processor/index.js';
import { kafkaBusFromFlags } from './kafka-from-flags.js';
import { nonNegativeInteger, positiveInteger } from './options.js';
import { runService } from './service.js';
import { serviceOptions, type ServiceFlags } from './service-options.js';

interface ProcessFlags extends ServiceFlags {
  window: number;
  latenessSteps: number;
}

export function processCommand(setExit: (code: number) => void): Command {
  return serviceOptions(
    new Command('process').description(
      'Run the processor against Kafka: run, gradient and trajectory events in, estimates and dead ' +
        'letters out, metrics for Prometheus. Stops gracefully on SIGINT/SIGTERM.',
    ),
    'lyap-processor',
  )
    .option('-w, --window <probes>', 'probes in the rolling window', positiveInteger('--window'), 20)
    .option(
      '--lateness-steps <n>',
      'steps a gradient/trajectory pair may arrive out of order',
      nonNegativeInteger('--lateness-steps'),
      2,
    )
    .action(async (flags: ProcessFlags) => {
      const bus = kafkaBusFromFlags(flags.brokers);
      const metrics = new LyapMetrics();
      const topics = topicNames(flags.topicPrefix);
      setExit(
        await runService({
          name: 'processor',
          bus,
          metrics,
          metricsHost: flags.metricsHost,
          metricsPort: flags.metricsPort,
          start: () => {
            const processor = startProcessor({
              bus,
              observer: metrics,
              fromBeginning: true,
              config: {
                groupId: flags.groupId,
                topicPrefix: flags.topicPrefix,
                windowProbes: flags.window,
                latenessSteps: flags.latenessSteps,
              },
            });
            // Commands are no input of the processor: watched apart, for lyap_lr_commands_total and
            // the closed-loop latency (replicas share the group, so each command counts once).
            const commands = startCommandWatch({
              bus,
              topics,
              groupId: `${flags.groupId}-commands`,
              observer: metrics,
            });
            return {
              done: processor.done,
              stop: () => {
                processor.stop();
                commands.stop();
              },
            };
          },
        }),
      );
    });
}
