import type { TopicNames } from '../events/index.js';
import type { ProcessorObserver } from '../processor/index.js';
import { startStage, type StageHandle } from '../stage/index.js';
import type { Bus } from '../transport/index.js';

export interface CommandWatchOptions {
  bus: Bus;
  topics: TopicNames;
  groupId: string;
  /** Told of every command as consumed (metrics: lyap_lr_commands_total, the loop latency). */
  observer: Pick<ProcessorObserver, 'consumed'>;
  fromBeginning?: boolean;
  clock?: () => number;
}

/** The control topic watched for metrics: commands are no input of the processor. */
export function startCommandWatch(options: CommandWatchOptions): StageHandle {
  const clock = options.clock ?? Date.now;
  return startStage({
    bus: options.bus,
    inputs: [options.topics.control],
    groupId: options.groupId,
    fromBeginning: options.fromBeginning ?? true,
    accepts: ['lr-command'],
    handle: (command, message) => {
      options.observer.consumed(command, message.topic, clock());
    },
  });
}
