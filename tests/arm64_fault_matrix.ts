/**
 * The arm64 fault matrix: every instruction class × memory type × alignment × the stage the
 * attribute comes from, run through the CPU port. Shared by `tests/arm64_fault_matrix_test.ts`
 * (which checks it against the ARM ARM rules and the golden table) and
 * `scripts/arm64_fault_matrix.ts` (which prints the table).
 *
 * Machine: Xen-like stage 2 (VTCR 0x80043594, HCR_EL2 as Xen sets it: VM, PTW, no FWB, no TDZ),
 * Linux-like stage 1 at EL1 with a MAIR that holds every type. The memory is an on-chip SRAM that
 * accepts every access size and bursts but answers exclusives and far atomics with OKAY instead of
 * EXOKAY (so the IMPLEMENTATION DEFINED path shows: DFSC 0x35). "From stage 1": the stage-1
 * attribute is the type and stage 2 is Normal-WB (MemAttr 0xF, Xen's p2m_mmio_direct_c but
 * executable); "from stage 2": stage 1 is Normal-WB and stage 2's MemAttr is the type.
 *
 * @module
 */

import { sampleMachine } from "../arch/arm64/sample_machine.ts";
import { encodeMair } from "../arch/arm64/mair.ts";
import { Sram } from "../drivers/sram.ts";
import { GuestException, type Stage2Abort } from "../arch/arm64/port.ts";
import { decodeEsr } from "../arch/arm64/syndrome.ts";
import type { Cpu } from "../arch/arm64/cpu.ts";

/** The memory types of the matrix. */
export const TYPES = [
  "Normal-WB",
  "Normal-NC",
  "Device-GRE",
  "Device-nGnRE",
  "Device-nGnRnE",
] as const;
/** A matrix memory type. */
export type MatrixType = (typeof TYPES)[number];

/** MAIR slot of each type (stage 1) and stage-2 MemAttr of each type. */
const MAIR_SLOT: Record<MatrixType, number> = {
  "Normal-WB": 0,
  "Normal-NC": 1,
  "Device-GRE": 2,
  "Device-nGnRE": 3,
  "Device-nGnRnE": 4,
};
const MAIR = encodeMair([0xff, 0x44, 0x0c, 0x04, 0x00]);
const S2_MEMATTR: Record<MatrixType, number> = {
  "Normal-WB": 0xf,
  "Normal-NC": 0x5,
  "Device-GRE": 0x3,
  "Device-nGnRE": 0x1,
  "Device-nGnRnE": 0x0,
};

/** An instruction class: how to run it at a VA. */
export interface InsnClass {
  /** Name, as in the issue ("ldr 4", "ldp", "dc zva", ...). */
  name: string;
  /** Element size in bytes (alignment unit). */
  size: number;
  /** Run the instruction; returns a note (e.g. the STXR status). */
  run(cpu: Cpu, va: number): string;
  /** Kind for the rules. */
  kind:
    | "load"
    | "store"
    | "pair"
    | "dczva"
    | "dc"
    | "ldxr"
    | "stxr"
    | "atomic"
    | "acqrel"
    | "fetch";
}

const buf = new Uint8Array(32);

/** The instruction classes of the matrix. */
export const CLASSES: InsnClass[] = [
  ...[1, 2, 4, 8, 16].map((n) => ({
    name: `ldr ${n}`,
    size: n,
    kind: "load" as const,
    run: (c: Cpu, va: number) => (c.load(va, n as 1, buf), ""),
  })),
  ...[1, 2, 4, 8, 16].map((n) => ({
    name: `str ${n}`,
    size: n,
    kind: "store" as const,
    run: (c: Cpu, va: number) => (c.store(va, n as 1, buf), ""),
  })),
  { name: "ldp x", size: 8, kind: "pair", run: (c, va) => (c.ldp(va, 8, buf), "") },
  { name: "stp x", size: 8, kind: "pair", run: (c, va) => (c.stp(va, 8, buf), "") },
  { name: "dc zva", size: 1, kind: "dczva", run: (c, va) => (c.dcZva(va), "") },
  { name: "dc civac", size: 1, kind: "dc", run: (c, va) => (c.dc("civac", va), "") },
  { name: "dc cvac", size: 1, kind: "dc", run: (c, va) => (c.dc("cvac", va), "") },
  { name: "dc ivac", size: 1, kind: "dc", run: (c, va) => (c.dc("ivac", va), "") },
  { name: "dc cvau", size: 1, kind: "dc", run: (c, va) => (c.dc("cvau", va), "") },
  { name: "ldxr 8", size: 8, kind: "ldxr", run: (c, va) => (c.ldxr(va, 8, buf), "") },
  {
    name: "stxr 8",
    size: 8,
    kind: "stxr",
    run: (c, va) => `status ${c.stxr(va, 8, buf)}`,
  },
  {
    name: "ldadd 8",
    size: 8,
    kind: "atomic",
    run: (c, va) => (c.atomic("ldadd", va, 8, 1n), ""),
  },
  {
    name: "ldar 8",
    size: 8,
    kind: "acqrel",
    run: (c, va) => (c.load(va, 8, buf, 0, { acquire: true }), ""),
  },
  {
    name: "stlr 8",
    size: 8,
    kind: "acqrel",
    run: (c, va) => (c.store(va, 8, buf, 0, { release: true }), ""),
  },
  { name: "fetch", size: 4, kind: "fetch", run: (c, va) => (c.fetch(va), "") },
];

/** The outcome of one case. */
export interface Outcome {
  /** "ok" or "fault". */
  outcome: "ok" | "fault";
  /** Fault status code (−1 when ok). */
  fsc: number;
  /** Stage whose rule faulted (0 when ok). */
  stage: 0 | 1 | 2;
  /** EL the exception is taken to (0 when ok). */
  el: 0 | 1 | 2;
  /** Exception class (−1 when ok). */
  ec: number;
  /** Extra (STXR status). */
  note: string;
}

/** One row of the matrix. */
export interface MatrixRow extends Outcome {
  /** Instruction class name. */
  insn: string;
  /** Memory type. */
  type: MatrixType;
  /** Aligned access. */
  aligned: boolean;
  /** Which stage carries the type. */
  from: 1 | 2;
}

const KBASE = -0x8000_0000_0000;
const DEV_PA = 0x1000_0000;

/** Build the machine and run every case. */
export function runMatrix(): MatrixRow[] {
  const pages = TYPES.length * 2;
  const sram = new Sram(pages * 0x1000, {
    name: "/sram@10000000",
    exclusives: "unsupported",
    atomics: "unsupported",
  });
  const m = sampleMachine({ devices: [[DEV_PA, sram]] });
  const cpu = m.cpu;
  cpu.msr("MAIR_EL1", MAIR);
  let aborts: Stage2Abort[] = [];
  m.hyp.policy = (a) => {
    aborts.push(a);
    return { action: "inject", esr: 0x96000000, far: a.far };
  };
  const vaOf = (t: MatrixType, from: 1 | 2) =>
    KBASE + DEV_PA + (TYPES.indexOf(t) * 2 + from - 1) * 0x1000;
  for (const t of TYPES) {
    for (const from of [1, 2] as const) {
      const va = vaOf(t, from);
      const pa = va - KBASE;
      m.mapS2(pa, pa, 0x1000, {
        memAttr: from === 2 ? S2_MEMATTR[t] : 0xf,
        s2ap: 3,
        sh: from === 2 && t !== "Normal-WB" ? 2 : 3,
        af: true,
        xn: 0,
      });
      m.mapS1(va, pa, 0x1000, {
        attrIndx: from === 1 ? MAIR_SLOT[t] : 0,
        ap: 0,
        sh: 3,
        af: true,
        uxn: true,
      });
    }
  }
  const rows: MatrixRow[] = [];
  for (const k of CLASSES) {
    for (const t of TYPES) {
      for (const aligned of [true, false]) {
        for (const from of [1, 2] as const) {
          const misalign = k.kind === "fetch" ? 2 : k.size === 16 ? 8 : k.size > 1 ? k.size / 2 : 0;
          const va = vaOf(t, from) + 0x100 + (aligned ? 0 : Math.max(misalign, 1));
          aborts = [];
          cpu.clearLocalMonitor();
          let o: Outcome;
          try {
            const note = k.run(cpu, va);
            o = { outcome: "ok", fsc: -1, stage: 0, el: 0, ec: -1, note };
          } catch (e) {
            if (!(e instanceof GuestException)) throw e;
            if (aborts.length > 0) {
              const d = decodeEsr(aborts[0].esr);
              o = { outcome: "fault", fsc: d.fsc, stage: 2, el: 2, ec: d.ec, note: "" };
            } else {
              const d = decodeEsr(e.syndrome.esr);
              o = { outcome: "fault", fsc: d.fsc, stage: 1, el: 1, ec: d.ec, note: "" };
            }
          }
          rows.push({ insn: k.name, type: t, aligned, from, ...o });
        }
      }
    }
  }
  return rows;
}

/** One line of the golden table. */
export function formatRow(r: MatrixRow): string {
  const fsc = r.fsc >= 0 ? ` FSC 0x${r.fsc.toString(16).padStart(2, "0")}` : "";
  const what = r.outcome === "ok"
    ? `ok${r.note ? ` (${r.note})` : ""}`
    : `fault EC 0x${r.ec.toString(16).padStart(2, "0")}${fsc} stage ${r.stage} EL${r.el}`;
  return `${r.insn.padEnd(9)} ${r.type.padEnd(14)} ${
    (r.aligned ? "aligned" : "unaligned").padEnd(9)
  } attr-from-S${r.from}  ${what}`;
}
