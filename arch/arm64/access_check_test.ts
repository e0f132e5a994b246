import assert from "node:assert/strict";
import {
  A_ACQREL,
  A_ATOMIC,
  A_DC,
  A_DCZVA,
  A_EXCL,
  A_FETCH,
  A_PAIR,
  A_READ,
  A_SIMD,
  A_WRITE,
  alignmentBeforeTranslation,
  hasInstructionSyndrome,
  isAligned,
  typeAlignmentFault,
} from "./access_check.ts";

Deno.test("alignmentBeforeTranslation() faults exclusives/atomics/acquire-release and SCTLR.A", () => {
  assert.equal(alignmentBeforeTranslation(A_READ | A_EXCL, false, false), true);
  assert.equal(alignmentBeforeTranslation(A_READ | A_ATOMIC, false, false), true);
  assert.equal(alignmentBeforeTranslation(A_READ | A_ACQREL, false, false), true);
  assert.equal(alignmentBeforeTranslation(A_READ, false, false), false);
  assert.equal(alignmentBeforeTranslation(A_READ, false, true), true);
  assert.equal(alignmentBeforeTranslation(A_DC, false, true), false);
  assert.equal(alignmentBeforeTranslation(A_READ | A_EXCL, true, true), false);
});

Deno.test("typeAlignmentFault() faults unaligned data and any DC ZVA on Device, never DC or fetch", () => {
  assert.equal(typeAlignmentFault(A_READ, false, true), true);
  assert.equal(typeAlignmentFault(A_READ, true, true), false);
  assert.equal(typeAlignmentFault(A_READ, false, false), false);
  assert.equal(typeAlignmentFault(A_WRITE | A_DCZVA, true, true), true);
  assert.equal(typeAlignmentFault(A_DC, false, true), false);
  assert.equal(typeAlignmentFault(A_FETCH, false, true), false);
});

Deno.test("hasInstructionSyndrome() is true only for single GPR loads/stores off the walk", () => {
  assert.equal(hasInstructionSyndrome(A_READ, 4, false), true);
  assert.equal(hasInstructionSyndrome(A_READ | A_ACQREL, 8, false), true);
  assert.equal(hasInstructionSyndrome(A_READ, 4, true), false);
  assert.equal(hasInstructionSyndrome(A_READ | A_PAIR, 8, false), false);
  assert.equal(hasInstructionSyndrome(A_READ | A_EXCL, 8, false), false);
  assert.equal(hasInstructionSyndrome(A_READ | A_SIMD, 16, false), false);
  assert.equal(hasInstructionSyndrome(A_WRITE | A_DCZVA, 1, false), false);
  assert.equal(isAligned(0x1004, 4), true);
  assert.equal(isAligned(-0x7fff_ffff_fffc, 8), false);
});
