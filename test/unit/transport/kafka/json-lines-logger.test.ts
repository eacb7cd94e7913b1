import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  jsonLinesLogger,
  levelOf,
  stderrLogger,
  type LogRecord,
} from '../../../../src/transport/kafka/index.js';

const record = (
  level: LogRecord['level'],
  message: string,
  fields: Record<string, unknown> = {},
): LogRecord => ({
  level,
  namespace: 'kafkajs.Connection',
  message,
  fields,
});

function capture(options: { minLevel?: LogRecord['level']; repeatWindowMs?: number } = {}) {
  const lines: Record<string, unknown>[] = [];
  let now = 0;
  const log = jsonLinesLogger({
    role: 'processor',
    ...options,
    write: (line) => {
      assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line per record');
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
    clock: () => now,
  });
  return { lines, log, advance: (ms: number) => (now += ms) };
}

describe('transport > kafka > jsonLinesLogger', () => {
  it('grades what the client retries by itself a warning, refusals the command reports itself debug, and keeps real errors errors', () => {
    assert.equal(levelOf(record('error', 'Connection error: connect ECONNREFUSED 127.0.0.1:1')), 'warn');
    assert.equal(
      levelOf(record('error', 'Response GroupCoordinator', { error: 'The coordinator is loading' })),
      'warn',
    );
    assert.equal(levelOf(record('error', 'Failed to connect to seed broker', { retryCount: 2 })), 'warn');
    assert.equal(
      levelOf(record('error', 'Response Produce', { error: 'This server is not the leader' })),
      'warn',
    );
    assert.equal(levelOf(record('error', 'Log segment corrupt')), 'error');
    // Broker answers graded by kafkajs's own protocol table: a topic just created, a group join.
    assert.equal(
      levelOf(
        record('error', 'Response Metadata(key: 3, version: 6)', {
          error: 'This server does not host this topic-partition',
        }),
      ),
      'warn',
    );
    assert.equal(
      levelOf(
        record('error', 'Response JoinGroup(key: 11, version: 5)', {
          error: 'The group member needs to have a valid member id before actually entering a consumer group',
        }),
      ),
      'warn',
    );
    assert.equal(
      levelOf(
        record('error', 'Response Produce(key: 0, version: 7)', {
          error: 'The request included a message larger than the max message size the server will accept',
        }),
      ),
      'error',
    );
    // Refusals end the command with one `lyap: … (LYAP_E_KAFKA_AUTH|DENIED)` line of their own.
    assert.equal(levelOf(record('error', 'SASL SCRAM-SHA-512 authentication failed')), 'debug');
    assert.equal(levelOf(record('error', 'Topic authorization failed')), 'debug');
    assert.equal(
      levelOf(
        record('error', 'Response Produce', {
          error: 'Not authorized to access topics: [Topic authorization failed]',
        }),
      ),
      'debug',
    );
    assert.equal(levelOf(record('info', 'Consumer has joined the group')), 'info');
  });

  it("writes each record as the service's own JSON line, with its role and source, without the stack", () => {
    const { lines, log } = capture();
    log(
      record('error', 'Connection error: connect ECONNREFUSED', {
        broker: 'b:1',
        stack: 'Error: …\n    at x',
      }),
    );
    assert.deepEqual(lines, [
      {
        level: 'warn',
        role: 'processor',
        source: 'kafkajs.Connection',
        msg: 'Connection error: connect ECONNREFUSED',
        broker: 'b:1',
      },
    ]);
  });

  it('counts a repeat within the window into the next line written for it, and drops what is below its level', () => {
    const { lines, log, advance } = capture({ repeatWindowMs: 1_000 });
    for (let i = 0; i < 5; i++) {
      log(record('error', 'Connection error: connect ECONNREFUSED', { retryCount: i }));
      advance(100);
    }
    log(record('info', 'Starting'));
    assert.equal(lines.length, 1);
    advance(1_000);
    log(record('error', 'Connection error: connect ECONNREFUSED', { retryCount: 5 }));
    assert.equal(lines.length, 2);
    assert.equal(lines[1]?.['repeated'], 4);
    assert.equal(lines[1]?.['retryCount'], 5);
  });
});

describe('transport > kafka > stderrLogger', () => {
  it('grades records as the services do: a retried broker answer is a warning line, a real error an error line', (t) => {
    const written: string[] = [];
    t.mock.method(process.stderr, 'write', (line: string) => written.push(line));
    const log = stderrLogger('warn');
    log(
      record('error', 'Response Metadata(key: 3, version: 6)', {
        error: 'This server does not host this topic-partition',
      }),
    );
    log(record('error', 'Log segment corrupt'));
    log(record('info', 'Consumer has joined the group'));
    assert.deepEqual(written, [
      'warn [kafkajs.Connection] Response Metadata(key: 3, version: 6) {"error":"This server does not host this topic-partition"}\n',
      'error [kafkajs.Connection] Log segment corrupt\n',
    ]);
  });
});
