import assert from "node:assert/strict";
import { Bus } from "./bus.ts";
import { Sram } from "./sram.ts";
import { RESP_OKAY, RESP_SLVERR } from "./device.ts";

Deno.test("Sram with accessSizes [4] refuses byte and doubleword accesses with SLVERR", () => {
  const bus = new Bus();
  const s = new Sram(0x1000, { accessSizes: [4] });
  bus.attach(0xc800_0000, s);
  const b = new Uint8Array(8);
  assert.equal(bus.write(0xc800_0000, 4, new Uint8Array([1, 2, 3, 4]), 0), RESP_OKAY);
  assert.equal(bus.read(0xc800_0000, 8, b, 0), RESP_SLVERR);
  assert.equal(bus.read(0xc800_0000, 1, b, 0), RESP_SLVERR);
  assert.equal(bus.read32(0xc800_0000), 0x04030201);
});

Deno.test("Sram defaults: all sizes, bursts, no exclusives or far atomics", () => {
  const s = new Sram(0x100, { contents: new Uint8Array([7]) });
  assert.equal(s.acceptSizes, 31);
  assert.equal(s.acceptsBursts, true);
  assert.equal(s.exclusives, "unsupported");
  assert.equal(s.atomics, "unsupported");
  assert.equal(s.mem.read(0, 1)[0], 7);
  assert.equal(new Sram(0x100, { supportsPairs: false }).acceptSizes, 15);
});
