import assert from "node:assert/strict";
import { SetAssocCache } from "./cache_model.ts";

Deno.test("SetAssocCache evicts the least recently used way and reports a dirty victim", () => {
  const c = new SetAssocCache(2 * 64, 2); // one set, two ways
  c.insert(1, 7, 0, true);
  c.insert(2, 7, 0, false);
  assert.ok(c.find(1) >= 0); // touch line 1: line 2 is now LRU
  c.insert(3, 8, 1, false);
  assert.equal(c.evictedLine, 2);
  assert.equal(c.evictedDirty, false);
  c.insert(4, 8, 1, false);
  assert.equal(c.evictedLine, 1);
  assert.equal(c.evictedDirty, true);
  assert.equal(c.evictedOwner, 7);
  assert.throws(() => new SetAssocCache(3 * 64, 1), RangeError);
});
