import assert from "node:assert/strict";
import {
  decodeMair,
  encodeMair,
  LINUX_MAIR_EL1,
  LINUX_MT,
  mairAttr,
  XEN_MAIR_EL2,
  XEN_MT,
} from "./mair.ts";
import { memTypeName } from "./memory_type.ts";

Deno.test("LINUX_MAIR_EL1 is the value Linux 6.1 __cpu_setup programs without MTE", () => {
  // MAIR_ATTRIDX(0x00, 3) | (0x04, 4) | (0x44, 2) | (0xff, 0) | (0xff, 1)
  assert.equal(LINUX_MAIR_EL1, 0x000000040044ffffn);
  assert.equal(encodeMair([0xff, 0xff, 0x44, 0x00, 0x04]), LINUX_MAIR_EL1);
  assert.equal(memTypeName(mairAttr(LINUX_MAIR_EL1, LINUX_MT.MT_NORMAL)), "Normal-WB");
  assert.equal(memTypeName(mairAttr(LINUX_MAIR_EL1, LINUX_MT.MT_NORMAL_NC)), "Normal-NC");
  assert.equal(memTypeName(mairAttr(LINUX_MAIR_EL1, LINUX_MT.MT_DEVICE_nGnRnE)), "Device-nGnRnE");
  assert.equal(memTypeName(mairAttr(LINUX_MAIR_EL1, LINUX_MT.MT_DEVICE_nGnRE)), "Device-nGnRE");
});

Deno.test("XEN_MAIR_EL2 is MAIR1VAL << 32 | MAIR0VAL from Xen 4.17 asm/page.h", () => {
  assert.equal(XEN_MAIR_EL2, (0xff000004n << 32n) | 0xeeaa4400n);
  assert.deepEqual(decodeMair(XEN_MAIR_EL2), [0x00, 0x44, 0xaa, 0xee, 0x04, 0x00, 0x00, 0xff]);
  assert.equal(memTypeName(mairAttr(XEN_MAIR_EL2, XEN_MT.MT_NORMAL_WT)), "Normal-WT");
  assert.equal(memTypeName(mairAttr(XEN_MAIR_EL2, XEN_MT.MT_DEVICE_nGnRE)), "Device-nGnRE");
  assert.equal(memTypeName(mairAttr(XEN_MAIR_EL2, XEN_MT.MT_NORMAL)), "Normal-WB");
});

Deno.test("encodeMair() rejects a value that is not a byte", () => {
  assert.throws(() => encodeMair([0x100]), RangeError);
  assert.throws(() => encodeMair([0, 0, 0, 0, 0, 0, 0, 0, 0]), RangeError);
});
