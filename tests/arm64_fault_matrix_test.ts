/**
 * The fault matrix (issue 3, "Done means"): for each instruction class × {Normal WB, Normal NC,
 * Device-GRE, Device-nGnRE, Device-nGnRnE} × {aligned, unaligned} × {attribute from stage 1,
 * from stage 2}: the outcome, the fault status code, the stage and the EL, each expectation
 * derived below from the ARM ARM rule it cites (DDI 0487; "ASL" = its pseudocode). QEMU 7.2
 * faults none of the Device cases and no QEMU faults DC ZVA on Device: it is not the oracle.
 * The model's rows must also match the golden table tests/fixtures/arm64/fault_matrix.txt.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  CLASSES,
  formatRow,
  type InsnClass,
  type MatrixRow,
  type MatrixType,
  runMatrix,
  TYPES,
} from "./arm64_fault_matrix.ts";

interface Expect {
  outcome: "ok" | "fault";
  fsc: number;
  stage: 0 | 1 | 2;
  el: 0 | 1 | 2;
  ec: number;
  note: string;
  /** The ARM ARM rule. */
  ref: string;
}

const ALIGNMENT = 0x21;
const DABT_CUR = 0x25; // from EL1, taken to EL1
const DABT_LOW = 0x24; // from EL1, taken to EL2
const IABT_CUR = 0x21;
const IABT_LOW = 0x20;
const PC_ALIGN = 0x22;

function fault(fsc: number, stage: 1 | 2, ec: number, ref: string): Expect {
  return { outcome: "fault", fsc, stage, el: stage, ec, note: "", ref };
}

function ok(ref: string, note = ""): Expect {
  return { outcome: "ok", fsc: -1, stage: 0, el: 0, ec: -1, note, ref };
}

/** The expectation for one case, rule by rule in architectural priority. */
function expected(k: InsnClass, t: MatrixType, aligned: boolean, from: 1 | 2): Expect {
  const device = t.startsWith("Device");
  const normalWB = t === "Normal-WB";
  // A single byte (and the unaligned offset of DC operations) is always naturally aligned.
  const elemAligned = aligned || k.size === 1;
  const dataEc = from === 1 ? DABT_CUR : DABT_LOW;

  if (k.kind === "fetch" && !aligned) {
    return fault(
      -1,
      1,
      PC_ALIGN,
      "D1.x PC alignment checking: a misaligned PC is a PC alignment fault (EC 0x22) before any translation",
    );
  }
  if (
    (k.kind === "ldxr" || k.kind === "stxr" || k.kind === "atomic" || k.kind === "acqrel") &&
    !elemAligned
  ) {
    return fault(
      ALIGNMENT,
      1,
      DABT_CUR,
      "B2.5.2 and ASL AArch64.UnalignedAccessFaults: exclusives, atomics and load-acquire/store-release need natural alignment on every memory type; checked before translation, so a stage-1 Alignment fault at EL1 whichever stage holds the type",
    );
  }
  if (device && k.kind === "dczva") {
    return fault(
      ALIGNMENT,
      from,
      dataEc,
      "C5.3 DC ZVA and ASL AArch64.S1HasAlignmentFault/S2HasAlignmentFault (AccessType_DCZero): DC ZVA to any type of Device memory is an Alignment fault, at the stage whose attribute is Device (R_XCHFJ priority)",
    );
  }
  if (device && !elemAligned && (k.kind === "load" || k.kind === "store" || k.kind === "pair")) {
    return fault(
      ALIGNMENT,
      from,
      dataEc,
      "B2.5.2 and ASL AArch64.S1HasAlignmentFault/S2HasAlignmentFault: an unaligned data access to any Device memory is an Alignment fault whatever SCTLR.A, checked per stage; a stage-2 Device attribute gives a stage-2 fault taken to EL2",
    );
  }
  if (k.kind === "fetch" && device) {
    return fault(
      0x0f,
      from,
      from === 1 ? IABT_CUR : IABT_LOW,
      "D8.x / ASL AArch64.InstructionDevice: a fetch from Device memory not marked XN is CONSTRAINED UNPREDICTABLE; the model takes the Permission fault option at the stage that made it Device",
    );
  }
  if (k.kind === "dc") {
    return ok(
      "D7.x DC CIVAC/CVAC/IVAC/CVAU: cache maintenance by VA applies to every memory type and never generates an Alignment fault (DC IVAC at EL1 with HCR_EL2.VM is performed as DC CIVAC)",
    );
  }
  if (k.kind === "stxr") {
    return ok(
      "B2.9.x: a Store-Exclusive with no exclusive reservation does not update memory and returns status 1",
      "status 1",
    );
  }
  if ((k.kind === "ldxr" || k.kind === "atomic") && !normalWB) {
    return fault(
      0x35,
      from,
      dataEc,
      "B2.9.5: exclusives/atomics to memory that is not Normal Inner/Outer Write-Back are IMPLEMENTATION DEFINED; this SRAM answers OKAY for an exclusive, so the core raises DFSC 0x35 (Cortex-A55 TRM); reported at the stage that made the memory non-WB [inferred]",
    );
  }
  return ok(
    "B2.5.2: naturally aligned accesses, and unaligned accesses to Normal memory with SCTLR.A = 0, complete",
  );
}

const rows = runMatrix();
const find = (k: string, t: string, aligned: boolean, from: number): MatrixRow =>
  rows.find((r) => r.insn === k && r.type === t && r.aligned === aligned && r.from === from)!;

for (const k of CLASSES) {
  Deno.test(`Cpu fault matrix: ${k.name} on every memory type, aligned and unaligned, attribute from each stage`, () => {
    for (const t of TYPES) {
      for (const aligned of [true, false]) {
        for (const from of [1, 2] as const) {
          const e = expected(k, t, aligned, from);
          const r = find(k.name, t, aligned, from);
          const what = `${k.name} ${t} ${
            aligned ? "aligned" : "unaligned"
          } from S${from} — ${e.ref}`;
          assert.equal(r.outcome, e.outcome, what);
          assert.equal(r.fsc, e.fsc, what);
          assert.equal(r.stage, e.stage, what);
          assert.equal(r.el, e.el, what);
          assert.equal(r.ec, e.ec, what);
          assert.equal(r.note, e.note, what);
        }
      }
    }
  });
}

Deno.test("Cpu fault matrix matches the golden table tests/fixtures/arm64/fault_matrix.txt", () => {
  const golden = readFileSync(
    new URL("./fixtures/arm64/fault_matrix.txt", import.meta.url),
    "utf8",
  );
  assert.equal(rows.length, CLASSES.length * TYPES.length * 4);
  assert.equal(rows.map(formatRow).join("\n") + "\n", golden);
});
