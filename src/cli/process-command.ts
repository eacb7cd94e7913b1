import { topicNames } from '../events/index.js';
// Not '../loop/index.js': it also exports the closed loop, which loads TensorFlow.js.
import { startCommandWatch } from '../loop/command-watch.js';
import { LyapMetrics } from '../metrics/index.js';
import { resolveProcessorConfig, startProcessor } from '../processor/index.js';
import { defineCommand } from './define-command.js';
import { kafkaBusFromFlags } from './kafka-from-flags.js';
import { nonNegativeInteger } from './options.js';
import { PROCESSOR_GROUP_ID, processorOptions, type ProcessorFlags } from './processor-options.js';
import { runService } from './service.js';
import { serviceOptions, type ServiceFlags } from './service-options.js';

const DEFAULT_LATENESS_MS = resolveProcessorConfig().latenessMs;

export const processCommand = defineCommand<ServiceFlags & ProcessorFlags & { latenessMs: number }>({
  name: 'process',
  description:
    'Run the processor against Kafka: run, gradient and trajectory events in, estimates and dead ' +
    'letters out, metrics for Prometheus. Stops gracefully on SIGINT/SIGTERM.',
  options: (command) =>
    processorOptions(serviceOptions(command, PROCESSOR_GROUP_ID)).option(
      '--lateness-ms <ms>',
      'how long a half-step (gradient or trajectory) waits for its partner before it is estimated alone; ' +
        'longer than a broker failover keeps estimates equal to the replay (docs/reliability.md)',
      nonNegativeInteger('--lateness-ms'),
      DEFAULT_LATENESS_MS,
    ),
  run: async (flags) => {
    const bus = kafkaBusFromFlags(flags.brokers, 'processor');
    const metrics = new LyapMetrics();
    const topics = topicNames(flags.topicPrefix);
    return runService({
      name: 'processor',
      bus,
      metrics,
      metricsHost: flags.metricsHost,
      metricsPort: flags.metricsPort,
      webConfig: flags.webConfig,
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
            latenessMs: flags.latenessMs,
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
          // Whichever ends or fails first ends the service (and a failure of either is handled).
          done: Promise.race([processor.done, commands.done]),
          // The last snapshots and offsets before leaving the group: the next owner redoes nothing.
          finish: () => processor.finish(),
          stop: () => {
            processor.stop();
            commands.stop();
          },
        };
      },
    });
  },
});
