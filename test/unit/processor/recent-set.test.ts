import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecentSet } from '../../../src/processor/recent-set.js';

describe('processor > RecentSet', () => {
  describe('keys taking the slots in turn (the engine’s ended runs)', () => {
    it('remembers the last `capacity` keys added and forgets the oldest first', () => {
      const recent = new RecentSet<string>({ capacity: 2 });
      for (const key of ['a', 'b', 'c']) recent.add(key);
      assert.deepEqual(
        ['a', 'b', 'c'].map((key) => recent.has(key)),
        [false, true, true],
      );
      assert.deepEqual(recent.keys(), ['b', 'c']);
    });

    it('takes no new slot for a key it remembers', () => {
      const recent = new RecentSet<string>({ capacity: 2 });
      for (const key of ['a', 'b', 'a', 'a']) recent.add(key);
      assert.ok(recent.has('a') && recent.has('b'));
    });

    it('forgets a deleted key at once and says whether it was remembered', () => {
      const recent = new RecentSet<string>({ capacity: 3 });
      recent.add('a');
      assert.equal(recent.delete('a'), true);
      assert.equal(recent.has('a'), false);
      assert.equal(recent.delete('a'), false);
    });

    it('gives back a deleted key’s slot only in its turn: the key is forgotten when that slot is taken', () => {
      const recent = new RecentSet<string>({ capacity: 3 });
      recent.add('a');
      recent.delete('a');
      recent.add('b');
      recent.add('a');
      assert.ok(recent.has('a') && recent.has('b'), 'its first slot is still taken, by the deleted a');
      recent.add('c');
      assert.equal(recent.has('a'), false, 'c took the first slot, and a with it');
      assert.ok(recent.has('b') && recent.has('c'));
    });
  });

  describe('keys placed by value (released steps)', () => {
    const steps = (capacity: number): RecentSet<number> =>
      new RecentSet<number>({ capacity, slotOf: (step) => step });

    it('remembers a step until a later step takes its slot (step modulo capacity)', () => {
      const recent = steps(4);
      for (const step of [0, 1, 2, 3, 5]) recent.add(step);
      assert.deepEqual(
        [0, 1, 2, 3, 5].map((step) => recent.has(step)),
        [true, false, true, true, true],
        'step 5 took step 1’s slot; step 0 keeps its own although it is the oldest',
      );
      assert.deepEqual(
        recent.keys().sort((a, b) => a - b),
        [0, 2, 3, 5],
      );
    });

    it('does not take a step for one that shares its slot', () => {
      const recent = steps(4);
      recent.add(6);
      assert.equal(recent.has(2), false);
      assert.equal(recent.delete(2), false);
      assert.equal(recent.has(6), true);
      assert.equal(recent.delete(6), true);
      assert.equal(recent.has(6), false);
    });
  });
});
