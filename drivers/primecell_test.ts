import assert from "node:assert/strict";
import { Bus } from "./bus.ts";
import {
  PrimeCell,
  PRIMECELL_CELL_ID,
  primecellIdRegisters,
  primecellPeriphid,
} from "./primecell.ts";

Deno.test("primecellPeriphid() knows QEMU's PL011/PL031/PL061 only on arm,primecell nodes", () => {
  assert.equal(primecellPeriphid(["arm,pl031", "arm,primecell"]), 0x00141031);
  assert.equal(primecellPeriphid(["arm,pl061", "arm,primecell"]), 0x00041061);
  assert.equal(primecellPeriphid(["arm,pl011", "arm,primecell"]), 0x00141011);
  assert.equal(primecellPeriphid(["arm,pl031"]), undefined);
  assert.equal(primecellPeriphid(["arm,pl999", "arm,primecell"]), undefined);
});

Deno.test("PrimeCell reads its IDs at 0xFE0-0xFFC byte per word, as amba_read_periphid assembles them", () => {
  const bus = new Bus();
  const dev = new PrimeCell("/pl031@9010000", 0x1000, 0x00141031);
  bus.attach(0x0901_0000, dev);
  let pid = 0;
  let cid = 0;
  for (let i = 0; i < 4; i++) {
    pid |= (bus.read32(0x0901_0fe0 + 4 * i) & 255) << (8 * i);
    cid |= (bus.read32(0x0901_0ff0 + 4 * i) & 255) << (8 * i);
  }
  assert.equal(pid >>> 0, 0x00141031);
  assert.equal(cid >>> 0, PRIMECELL_CELL_ID);
  assert.equal(bus.read32(0x0901_0000), 0); // RTC_DR: no functional model, RAZ
  bus.write32(0x0901_0fe0, 0xff); // WI
  assert.equal(bus.read32(0x0901_0fe0), 0x31);
  assert.equal(dev.model, "primecell");
  assert.deepEqual(Object.keys(primecellIdRegisters(1, 0x20)).map(Number), [
    0,
    4,
    8,
    12,
    16,
    20,
    24,
    28,
  ]);
  assert.throws(() => primecellIdRegisters(1, 0x10), RangeError);
});
