import type { Command } from 'commander';
import { TRAINER_DEFAULTS as D } from '../trainer/config.js';
import { nonNegativeInteger, positiveInteger, positiveNumber } from './options.js';
import { brokersOption, metricsOptions, topicPrefixOption } from './service-options.js';

/**
 * The options of `lyap train` that connect the run to the pipeline: where its events go
 * (--out, Kafka, the topics), its metrics endpoint, and the learning-rate commands it takes.
 */
export function pipelineOptions(command: Command): Command {
  return metricsOptions(
    command
      .option(
        '-o, --out <file>',
        'write every emitted event as JSON lines (replayable by lyap replay); - for stdout',
      )
      .option('--run-id <id>', 'run id (default: <dataset>-<model>-s<seed>-<time>)'),
    {
      portDescription:
        "serve the trainer process's metrics (/metrics, /healthz, /readyz); 0 picks a free port",
      host: D.metricsHost,
    },
  )
    .addOption(
      brokersOption(
        'publish to Kafka, and take lr-commands from it in a worker thread, host:port[,…] (KAFKA_* settings: docs/kafka.md); default in-process',
      ),
    )
    .option(
      '--buffer-events <n>',
      'events queued for the bus before the oldest step events are dropped',
      positiveInteger('--buffer-events'),
      D.bufferEvents,
    )
    .addOption(topicPrefixOption().default(D.topicPrefix))
    .option(
      '--accept-unsigned-commands',
      'apply unsigned lr-commands when LYAP_CONTROL_KEY is not set (warns)',
      D.acceptUnsignedCommands,
    )
    .option(
      '--lr-min <rate>',
      'lower bound for commanded learning rates',
      positiveNumber('--lr-min'),
      D.lrMin,
    )
    .option(
      '--lr-max <rate>',
      'upper bound for commanded learning rates',
      positiveNumber('--lr-max'),
      D.lrMax,
    )
    .option(
      '--first-command-wait <ms>',
      "with a controller in control mode: take a measurement step at θ0 without an update, then wait up to ms for the controller's first decision, so that an absurd starting rate is corrected before it trains; 0 is off",
      nonNegativeInteger('--first-command-wait'),
      D.firstCommandWait,
    );
}
