import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressDisplay } from '../../../src/demo/progress-display.js';
import { alertLine, formatNumber, progressLine, progressLines } from '../../../src/demo/progress-view.js';
import { RunBoard } from '../../../src/demo/run-board.js';
import { alert, command, estimate, gradient } from './board-events.js';

const ANSI = new RegExp(String.raw`\u001b\[`);

function board(): RunBoard {
  const b = new RunBoard();
  b.add('r1-lr0.5', 0.5, 400);
  b.add('r2-lr20', 20, 400);
  return b;
}

describe('demo > progress lines', () => {
  it('formats numbers in a few characters, exponent when tiny or huge, NaN as NaN', () => {
    assert.equal(formatNumber(0.123456), '0.1235');
    assert.equal(formatNumber(20), '20');
    assert.equal(formatNumber(0), '0');
    assert.equal(formatNumber(1.5e-5), '1.50e-5');
    assert.equal(formatNumber(-2.5e6), '-2.50e+6');
    assert.equal(formatNumber(Number.NaN), 'NaN');
    assert.equal(formatNumber(Number.POSITIVE_INFINITY), 'Infinity');
  });

  it('shows step, loss, lr, sharpness, η·λ_max, top exponent, regime, last command and the firing alert', () => {
    const b = board();
    b.gradient(gradient('r2-lr20', 119, 2.301, 10));
    b.estimate(
      estimate('r2-lr20', 115, {
        sharpness: 0.3071,
        stabilityRatio: 6.142,
        lyapunov: [1.02],
        regime: 'unstable',
      }),
    );
    b.command(command('r2-lr20', 100, 20, 10));
    b.alert(alert('r2-lr20', 115, 'firing'));
    const line = progressLine(b.get('r2-lr20')!, 8);
    assert.match(line, /^r2-lr20 {3}step 120\/400 {2}loss 2\.301/);
    for (const part of [
      'lr 10 ',
      'λmax 0.3071',
      'η·λmax 6.142',
      'λ₁ 1.02',
      'unstable',
      'brake 20→10 @100',
      'ALERT LyapStabilityRatioAboveTwo',
    ]) {
      assert.ok(line.includes(part), `${part} in ${line}`);
    }
    assert.doesNotMatch(line, ANSI);
  });

  it('shows dashes before the first estimate, an advised command as advice, and the end status', () => {
    const b = board();
    const fresh = progressLine(b.get('r1-lr0.5')!, 8);
    assert.match(fresh, /step {3}0\/400 {2}loss NaN .* λmax - .* η·λmax - .* λ₁ - .* no command yet$/);
    b.command(command('r1-lr0.5', 40, 0.5, 0.25, { advisory: true }));
    b.finish('r1-lr0.5', { status: 'stopped', commandsApplied: 0 });
    assert.match(progressLine(b.get('r1-lr0.5')!, 8), /brake advised 0\.5→0\.25 @40 +\[stopped\]$/);
  });

  it('aligns the columns of every run', () => {
    const b = board();
    b.gradient(gradient('r1-lr0.5', 9, 1, 0.5));
    b.gradient(gradient('r2-lr20', 9, 12.92, 20));
    const [one, two] = progressLines(b.runs);
    assert.equal(one?.indexOf('loss'), two?.indexOf('loss'));
    assert.equal(one?.indexOf('λ₁'), two?.indexOf('λ₁'));
  });

  it('prints alerts with their severity when they fire', () => {
    assert.equal(
      alertLine(alert('r2', 15, 'firing')),
      'alert: CRITICAL LyapStabilityRatioAboveTwo: run r2: unstable at step 15',
    );
    assert.match(alertLine(alert('r2', 55, 'resolved')), /^alert: resolved LyapStabilityRatioAboveTwo: /);
  });
});

describe('demo > ProgressDisplay', () => {
  function display(tty: boolean, columns?: number) {
    const b = board();
    let out = '';
    let now = 0;
    const d = new ProgressDisplay({
      board: b,
      write: (s) => (out += s),
      tty,
      ...(columns === undefined ? {} : { columns }),
      logEverySteps: 40,
      clock: () => now,
    });
    return {
      b,
      d,
      out: () => out,
      advance: (ms: number) => (now += ms),
      clear: () => (out = ''),
    };
  }

  it('on a terminal redraws every run in place, at most every 200 ms', () => {
    const t = display(true);
    t.d.update();
    assert.equal(t.out().split('\n').length - 1, 2, 'two lines drawn');
    t.clear();
    for (let i = 0; i < 10; i++) {
      t.advance(19);
      t.b.gradient(gradient('r1-lr0.5', i, 1, 0.5));
      t.d.update();
    }
    assert.equal(t.out(), '', 'nothing within 200 ms');
    t.advance(20);
    t.d.update();
    assert.ok(t.out().startsWith('\u001b[2F\u001b[J'), JSON.stringify(t.out().slice(0, 12)));
    assert.match(t.out(), /step {2}10\/400/);
  });

  it('on a terminal prints notes above the redrawn lines and cuts lines to the width', () => {
    const t = display(true, 40);
    t.d.update();
    t.clear();
    t.d.note('alert: CRITICAL X');
    const rows = t.out().split('\n');
    assert.equal(rows[0], '\u001b[2F\u001b[Jalert: CRITICAL X');
    assert.ok(
      rows
        .slice(1, 3)
        .every((r) => r.replace(new RegExp(String.raw`\u001b\[[0-9]*[A-Z]`, 'g'), '').length < 40),
    );
  });

  it('off a terminal logs each run every logEverySteps steps and at its end, without escape codes', () => {
    const t = display(false);
    for (let step = 0; step < 100; step++) {
      t.b.gradient(gradient('r1-lr0.5', step, 1, 0.5));
      t.d.update();
    }
    t.b.finish('r1-lr0.5', { status: 'completed', commandsApplied: 0 });
    t.d.note('alert: WARNING Y');
    t.d.finish();
    const lines = t.out().trimEnd().split('\n');
    assert.doesNotMatch(t.out(), ANSI);
    assert.deepEqual(
      lines.map((l) => /^(r1-lr0\.5|r2-lr20) +step +(\d+)\//.exec(l)?.slice(1, 3).join(' ') ?? l),
      ['r1-lr0.5 40', 'r1-lr0.5 80', 'alert: WARNING Y', 'r1-lr0.5 100'],
    );
  });
});
