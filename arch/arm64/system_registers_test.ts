import assert from "node:assert/strict";
import {
  dczvaBlockSize,
  HCR,
  makeTtbr,
  paRange,
  splitTtbr,
  XEN_GUEST_HCR,
} from "./system_registers.ts";

Deno.test("XEN_GUEST_HCR is Xen 4.17's get_default_hcr_flags() plus HCR_RW: 0x807c663f", () => {
  assert.equal(XEN_GUEST_HCR, 0x807c663fn);
  assert.equal(XEN_GUEST_HCR & HCR.FWB, 0n); // Xen never sets FWB
  assert.equal(XEN_GUEST_HCR & HCR.TDZ, 0n); // nor TDZ: guests run DC ZVA natively
  assert.notEqual(XEN_GUEST_HCR & HCR.PTW, 0n);
});

Deno.test("dczvaBlockSize() is 4 << BS; splitTtbr() separates BADDR and ASID/VMID", () => {
  assert.equal(dczvaBlockSize(4), 64);
  assert.equal(dczvaBlockSize(9), 2048);
  assert.deepEqual(splitTtbr(makeTtbr(0x4007_e000, 1)), { baddr: 0x4007_e000, tag: 1 });
  assert.deepEqual(splitTtbr(0x00ab_0000_4000_0000n, 8), { baddr: 0x4000_0000, tag: 0xab });
  assert.equal(paRange(0x1124n), 4);
});
