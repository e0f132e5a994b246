import assert from "node:assert/strict";
import { GlobalMonitor } from "./exclusive_monitor.ts";

Deno.test("GlobalMonitor clears other PEs' reservations on a store to the same 64-byte granule", () => {
  const m = new GlobalMonitor();
  m.mark(0, 0x1008);
  m.mark(1, 0x1030);
  assert.equal(m.armed, 2);
  m.onStore(0, 0x1000, 8); // same granule as CPU1's
  assert.equal(m.holds(1, 0x1030), false);
  assert.equal(m.holds(0, 0x1008), true); // a PE's own store leaves its reservation
  m.onStore(1, 0x1040, 8); // next granule: no effect
  assert.equal(m.holds(0, 0x1008), true);
  m.clear(0);
  assert.equal(m.armed, 0);
});
