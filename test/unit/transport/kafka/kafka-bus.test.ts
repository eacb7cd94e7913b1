import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom } from 'rxjs';
import { isLyapError } from '../../../../src/errors.js';
import { KafkaBus } from '../../../../src/transport/kafka/index.js';

// No broker here: the port is closed, so every connection is refused at once.
const unreachable = (createTopics: boolean): KafkaBus =>
  new KafkaBus({
    config: { brokers: ['127.0.0.1:1'], clientId: 'lyap-test' },
    logger: () => undefined,
    retries: 0,
    producer: { retries: 1 },
    connectionTimeoutMs: 500,
    createTopics,
  });

describe('transport > kafka > KafkaBus without a broker', () => {
  for (const createTopics of [true, false]) {
    it(`fails publish with a retriable LYAP_E_KAFKA (createTopics ${createTopics})`, async () => {
      const bus = unreachable(createTopics);
      try {
        await assert.rejects(bus.publish('t', [{ key: 'k', value: 'v' }]), (e: unknown) => {
          assert.ok(isLyapError(e, 'LYAP_E_KAFKA'), String(e));
          assert.equal(e.retriable, true);
          return true;
        });
      } finally {
        await bus.close();
      }
    });
  }

  it('errors the consumer Observable with LYAP_E_KAFKA', async () => {
    const bus = unreachable(false);
    try {
      await assert.rejects(firstValueFrom(bus.consume(['t'], { groupId: 'g' })), (e: unknown) =>
        isLyapError(e, 'LYAP_E_KAFKA'),
      );
    } finally {
      await bus.close();
    }
  });
});
