import assert from "node:assert/strict";
import {
  descriptorKind,
  joinDescriptor,
  levelShift,
  levelSize,
  outputAddress,
  splitDescriptor,
  stage1StartLevel,
  tableIndex,
} from "./granule.ts";

Deno.test("levelShift()/levelSize() give the 4 KiB granule geometry: 512 GiB, 1 GiB, 2 MiB, 4 KiB", () => {
  assert.deepEqual([0, 1, 2, 3].map(levelShift), [39, 30, 21, 12]);
  assert.equal(levelSize(2), 2 * 1024 * 1024);
  assert.equal(tableIndex(0x4020_1000, 2), 1);
  assert.equal(tableIndex(0x4020_1000, 1), 1);
  assert.deepEqual([48, 42, 39, 36, 30].map(stage1StartLevel), [0, 0, 1, 1, 2]);
});

Deno.test("descriptorKind() and outputAddress() decode bits[1:0] per level", () => {
  assert.equal(descriptorKind(0x403, 3), "page");
  assert.equal(descriptorKind(0x401, 2), "block");
  assert.equal(descriptorKind(0x3, 1), "table");
  assert.equal(descriptorKind(0x2, 1), "invalid");
  const { lo, hi } = splitDescriptor(0x0000_00ab_4020_0401n);
  assert.equal(outputAddress(lo, hi, "block", 2), 0xab_4020_0000);
  assert.equal(joinDescriptor(lo, hi), 0x0000_00ab_4020_0401n);
});
