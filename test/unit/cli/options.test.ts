import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { MAX_K } from '../../../src/events/index.js';
import {
  atMost,
  choiceOption,
  commaList,
  finiteNumber,
  positiveInteger,
  positiveNumber,
  subspaceSize,
} from '../../../src/cli/options.js';

/** The message a parser rejects `value` with (commander prints it after the option). */
function rejection(parse: (value: string) => unknown, value: string): string {
  try {
    parse(value);
  } catch (error) {
    assert.ok(error instanceof InvalidArgumentError, String(error));
    return error.message;
  }
  assert.fail(`'${value}' was accepted`);
}

describe('cli > option parsers', () => {
  it('checks a finite number against a test and says what was expected', () => {
    const momentum = finiteNumber('--momentum', 'in [0, 1)', (n) => n >= 0 && n < 1);
    assert.equal(momentum('0.9'), 0.9);
    assert.equal(rejection(momentum, '1'), "--momentum must be in [0, 1), got '1'");
    assert.equal(rejection(momentum, ''), "--momentum must be in [0, 1), got ''");
    assert.equal(rejection(momentum, 'Infinity'), "--momentum must be in [0, 1), got 'Infinity'");
    assert.equal(rejection(positiveNumber('--lr'), '0'), "--lr must be a positive number, got '0'");
  });

  it('bounds a parsed value from above, after the parser’s own check', () => {
    const runs = atMost('--runs', 8, positiveInteger('--runs'));
    assert.equal(runs('8'), 8);
    assert.equal(rejection(runs, '9'), "--runs must be at most 8, got '9'");
    assert.equal(rejection(runs, '0'), "--runs must be a positive integer, got '0'");
  });

  it('takes 0 to MAX_K probe vectors', () => {
    const k = subspaceSize('--k-lyapunov');
    assert.equal(k('0'), 0);
    assert.equal(k(String(MAX_K)), MAX_K);
    assert.equal(
      rejection(k, String(MAX_K + 1)),
      `--k-lyapunov must be at most ${MAX_K}, got '${MAX_K + 1}'`,
    );
  });

  it('parses a comma-separated list item by item, failing the whole list on an empty or bad item', () => {
    const hidden = commaList('--hidden', positiveInteger('--hidden'));
    assert.deepEqual(hidden('128, 64'), [128, 64]);
    for (const bad of ['1,,2', '1,', '1,x', '0']) {
      assert.equal(rejection(hidden, bad), `--hidden must be a comma-separated list, got '${bad}'`);
    }
    const models = commaList('--models', (m) => (m === 'mlp' || m === 'cnn' ? m : undefined), 'mlp or cnn');
    assert.deepEqual(models('cnn,mlp'), ['cnn', 'mlp']);
    assert.equal(
      rejection(models, 'mlp,rnn'),
      "--models must be a comma-separated list of mlp or cnn, got 'mlp,rnn'",
    );
  });

  it('makes a choice option, with a default only when given one', () => {
    const mode = choiceOption('--mode <mode>', 'mode', ['a', 'b'], 'b');
    assert.deepEqual(mode.argChoices, ['a', 'b']);
    assert.equal(mode.defaultValue, 'b');
    assert.equal(choiceOption('--loss <name>', 'loss', ['x']).defaultValue, undefined);
  });
});
