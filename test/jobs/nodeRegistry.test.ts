import assert from 'node:assert/strict';
import { test } from 'node:test';
import { divideCapacity } from '../../src/jobs/nodeRegistry.js';

test('a capacity divided among the live nodes adds up to exactly the capacity, the first nodes by id taking the remainder; every node admits at least 1', () => {
  for (let capacity = 1; capacity <= 40; capacity++) {
    for (let nodes = 1; nodes <= 12; nodes++) {
      const shares = Array.from({ length: nodes }, (_, rank) => divideCapacity(capacity, nodes, rank));
      const total = shares.reduce((x, y) => x + y, 0);
      assert.equal(total, Math.max(capacity, nodes), `${capacity} among ${nodes}: ${shares}`);
      assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, `${capacity} among ${nodes}: ${shares}`);
      assert.deepEqual(
        shares,
        [...shares].sort((x, y) => y - x),
        'the larger shares go to the first nodes',
      );
    }
  }
  assert.deepEqual(
    [0, 1, 2].map((rank) => divideCapacity(9, 3, rank)),
    [3, 3, 3],
  );
  assert.deepEqual(
    [0, 1].map((rank) => divideCapacity(9, 2, rank)),
    [5, 4],
  );
  assert.deepEqual(
    [0, 1, 2].map((rank) => divideCapacity(2, 3, rank)),
    [1, 1, 1],
  );
});
