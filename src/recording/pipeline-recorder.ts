import {
  decodeEvent,
  type AlertEvent,
  type EstimateEvent,
  type LrCommandEvent,
  type TopicNames,
} from '../events/index.js';
import type { Bus } from '../transport/index.js';
import type { LineWriter } from './line-writer.js';
import { startTopicRecorder, type TopicRecorder } from './topic-recorder.js';

export type RecordedFile = 'events' | 'commands' | 'estimates' | 'alerts' | 'dead-letters';

/** The files of a recording, in its folder. `events.jsonl` is what `lyap replay` reads. */
export const RECORDED_FILE_NAMES: Readonly<Record<RecordedFile, string>> = Object.freeze({
  events: 'events.jsonl',
  commands: 'commands.jsonl',
  estimates: 'estimates.jsonl',
  alerts: 'alerts.jsonl',
  'dead-letters': 'dead-letters.jsonl',
});

export interface PipelineRecorderOptions {
  bus: Bus;
  topics: TopicNames;
  groupId: string;
  /** Opens a file the first time a line goes to it. */
  open: (file: RecordedFile) => LineWriter;
  /** Told of every estimate, command and alert, decoded, in bus order. */
  onEvent?: (event: EstimateEvent | LrCommandEvent | AlertEvent) => void;
}

export type PipelineRecorder = TopicRecorder<RecordedFile>;

/**
 * Records a pipeline's traffic as JSON lines, byte for byte as it went over the bus: the
 * trainers' run, gradient and trajectory events to `events.jsonl`, in the order the processor
 * reads them (so that `lyap replay` of it reproduces the processor's estimates), the
 * controller's commands to `commands.jsonl`, the estimates to `estimates.jsonl`, the alerts to
 * `alerts.jsonl` and any dead letters to `dead-letters.jsonl`.
 */
export function startPipelineRecorder(options: PipelineRecorderOptions): PipelineRecorder {
  const { topics } = options;
  const fileOf = new Map<string, RecordedFile>([
    [topics.runs, 'events'],
    [topics.gradients, 'events'],
    [topics.trajectory, 'events'],
    [topics.control, 'commands'],
    [topics.estimates, 'estimates'],
    [topics.alerts, 'alerts'],
    [topics.dlq, 'dead-letters'],
  ]);
  const decoded = new Set([topics.estimates, topics.control, topics.alerts]);
  const { onEvent } = options;
  return startTopicRecorder({
    bus: options.bus,
    topics: [...fileOf.keys()],
    groupId: options.groupId,
    route: (message, text) => {
      const file = fileOf.get(message.topic);
      return file === undefined ? undefined : { file, line: text };
    },
    open: options.open,
    ...(onEvent === undefined
      ? {}
      : {
          written: (message, text) => {
            if (!decoded.has(message.topic)) return;
            const result = decodeEvent(text);
            if (
              result.ok &&
              (result.event.type === 'estimate' ||
                result.event.type === 'lr-command' ||
                result.event.type === 'alert')
            ) {
              onEvent(result.event);
            }
          },
        }),
  });
}
