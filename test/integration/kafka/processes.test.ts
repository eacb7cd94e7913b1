import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEvent,
  encodeEvent,
  topicForType,
  topicNames,
  type EstimateEvent,
} from '../../../src/events/index.js';
import { simulateQuadraticRun } from '../../../src/simulate/index.js';
import { kafkaBroker, uniqueName, withKafka } from '../../helpers/kafka-broker.js';
import { testKafkaBus } from '../../helpers/kafka-bus.js';
import { spawnLyap, stopGracefully } from '../../helpers/lyap-process.js';
import { poll } from '../../helpers/wait.js';

const broker = await kafkaBroker();

/** Every line of a service's stderr is one of its JSON log lines, none an error, no stack trace. */
function readableLog(stderr: string, role: string): void {
  for (const line of stderr.trimEnd().split('\n')) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.equal(entry['role'], role, line);
    assert.notEqual(entry['level'], 'error', line);
  }
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}
const PATIENCE_MS = 90_000;

withKafka(broker, 'cli > lyap process and lyap control on Kafka', (broker) => {
  describe('cli > lyap process and lyap control on Kafka', () => {
    // The events are all on the broker before the processor starts: it catches up on a backlog
    // that it reads topic by topic (gradients may come hundreds of steps before their
    // trajectories), which is how a restarted processor meets its input.
    it('estimates every probed step of a backlog, serves /metrics, commands the run, and stops gracefully on SIGTERM', async () => {
      const prefix = `${uniqueName('proc')}.`;
      const topics = topicNames(prefix);
      const bus = testKafkaBus(broker);
      const events = [
        ...simulateQuadraticRun({ runId: 'kafka-run', spectrum: [3, 1, -0.5], lr: 0.05, steps: 40 }),
      ];
      for (const e of events) {
        const topic = topicForType(e.type, topics);
        await bus.publish(topic, [{ key: e.runId, value: encodeEvent(e) }]);
      }
      const common = ['--brokers', broker.bootstrap, '--topic-prefix', prefix, '--metrics-port', '0'];
      const processor = spawnLyap(['process', ...common, '--group-id', uniqueName('g')]);
      const controller = spawnLyap(
        [
          'control',
          ...common,
          '--mode',
          'control',
          // The simulated probes carry no batch sharpness: the sharpness rule acts on them.
          '--rule',
          'quasi-newton',
          '--cooldown-steps',
          '5',
          '--group-id',
          uniqueName('c'),
        ],
        {
          LYAP_CONTROL_KEY: 'k',
        },
      );
      try {
        const estimates = new Map<number, EstimateEvent>();
        let commands = 0;
        const sub = bus
          .consume([topics.estimates, topics.control], { groupId: uniqueName('read'), fromBeginning: true })
          .subscribe((d) => {
            for (const m of d.messages) {
              const decoded = decodeEvent(m.value);
              if (decoded.ok && decoded.event.type === 'estimate')
                estimates.set(decoded.event.step, decoded.event);
              if (decoded.ok && decoded.event.type === 'lr-command') commands++;
            }
            d.ack();
          });
        await poll(() => estimates.size >= 40 && commands > 0, { timeoutMs: PATIENCE_MS, intervalMs: 100 });
        sub.unsubscribe();
        assert.equal(estimates.size, 40, `one estimate per probed step (stderr: ${processor.stderr()})`);
        assert.ok(commands > 0, `the controller commanded the run (stderr: ${controller.stderr()})`);
        const url = /"metricsUrl":"([^"]+)"/.exec(processor.stderr())?.[1];
        assert.ok(url !== undefined, 'the processor logs its metrics URL');
        const body = await (await fetch(`${url}/metrics`)).text();
        assert.match(body, /lyap_training_step\{run_id="kafka-run"\} 39/);
        // Read to the end: the gradients partition the run is on is 0 messages behind.
        assert.match(body, /lyap_consumer_lag\{topic="[^"]+\.gradients",partition="\d+"\} 0$/m);
        assert.match(body, /lyap_lr_commands_total\{run_id="kafka-run",reason="quasi-newton"\} [1-9]/);
      } finally {
        await stopGracefully(processor, controller);
        await bus.close();
      }
      assert.match(processor.stderr(), /stopping \(SIGTERM\)/);
      // A healthy start on topics it creates itself: the client's retries ("does not host this
      // topic-partition", "not the leader", "coordinator is loading") are warnings, not errors.
      readableLog(processor.stderr(), 'processor');
      readableLog(controller.stderr(), 'controller');
    });

    it('starts on topics it creates itself with its own JSON lines only, none of them an error', async () => {
      const prefix = `${uniqueName('fresh')}.`;
      const topics = topicNames(prefix);
      const processor = spawnLyap([
        'process',
        ...['--brokers', broker.bootstrap, '--topic-prefix', prefix, '--group-id', uniqueName('g')],
      ]);
      const bus = testKafkaBus(broker);
      try {
        await processor.waitFor(/"msg":"started"/, PATIENCE_MS);
        const steps = new Set<number>();
        const sub = bus
          .consume([topics.estimates], { groupId: uniqueName('read'), fromBeginning: true })
          .subscribe((d) => {
            for (const m of d.messages) {
              const decoded = decodeEvent(m.value);
              if (decoded.ok && decoded.event.type === 'estimate') steps.add(decoded.event.step);
            }
            d.ack();
          });
        for (const e of simulateQuadraticRun({ runId: 'fresh-run', spectrum: [2, 1], lr: 0.05, steps: 10 })) {
          await bus.publish(topicForType(e.type, topics), [{ key: e.runId, value: encodeEvent(e) }]);
        }
        await poll(() => steps.size >= 10, { timeoutMs: PATIENCE_MS, intervalMs: 100 });
        sub.unsubscribe();
      } finally {
        await stopGracefully(processor);
        await bus.close();
      }
      readableLog(processor.stderr(), 'processor');
    });
  });
});

describe('cli > lyap process and lyap control: bad input', () => {
  it('fails with exit 2 and one line when no broker is named', async () => {
    const r = spawnLyap(['process'], { KAFKA_BROKERS: '' });
    assert.equal(await r.exited, 2);
    assert.match(r.stderr(), /KAFKA_BROKERS/);
  });

  it('rejects an unknown controller mode with exit 2', async () => {
    const r = spawnLyap(['control', '--brokers', '127.0.0.1:1', '--mode', 'drive']);
    assert.equal(await r.exited, 2);
    assert.match(r.stderr(), /--mode.*drive.*observe, advise, control/s);
  });
});
