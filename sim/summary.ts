/**
 * The summary of a boot: dom0's memory map with both stages and the effective type (and which
 * rule decided it), the faults with decoded syndromes, their cause and the changes that avoid
 * them (each verified by booting again with the change), and the cost per device. This is the
 * object `--json` prints (documented in `docs/JSON.md`) and the text and HTML reports render.
 *
 * @module
 */

import { combineAttributes } from "../arch/arm64/attr_combine.ts";
import type { CpuEvent } from "../arch/arm64/cpu.ts";
import { decodeMair } from "../arch/arm64/mair.ts";
import { memTypeName } from "../arch/arm64/memory_type.ts";
import type { FaultRecord } from "../dom0/fault.ts";
import type { MappingRecord as S1Mapping } from "../dom0/kernel.ts";
import type { RoutineStats } from "../dom0/access.ts";
import type { WorkloadResult } from "../dom0/workload.ts";
import type { CostCounters } from "../drivers/cost.ts";
import type { Domain } from "../hyp/domain.ts";
import type { DomUBuild } from "../hyp/domu.ts";
import { findPolicy } from "../hyp/policy.ts";
import { VERSION } from "../version.ts";
import type { BootRun } from "./boot.ts";

/** `0x…` with at least `digits` hex digits. */
export function hex(v: number, digits = 1): string {
  return "0x" + v.toString(16).padStart(digits, "0");
}

/** How dom0 maps (part of) a stage-2 region at stage 1. */
export interface Stage1View {
  /** Linux API (`ioremap`, `ioremap_wc`, `memremap`, `linear`, ...). */
  api: string;
  /** Driver that made the mapping. */
  driver: string;
  /** Linux device name, when any. */
  device?: string;
  /** Stage-1 memory type (MAIR slot). */
  type: string;
  /** First VA (16 hex digits). */
  va: string;
  /** Bytes mapped. */
  size: number;
  /** Still mapped at the end of the run. */
  live: boolean;
  /** The effective memory type after combining both stages. */
  effective: string;
  /** Which stage decided: `stage1`, `stage2` or `both`. */
  decidedBy: string;
  /** The combining rule (ARM ARM, no FWB since Xen does not set HCR_EL2.FWB). */
  combineRule: string;
}

/** One row of dom0's memory map: a stage-2 region and how dom0 uses it. */
export interface MemoryMapRow {
  /** First IPA. */
  ipa: number;
  /** First PA (== IPA for dom0, which is direct-mapped). */
  pa: number;
  /** Size in bytes. */
  size: number;
  /** Device-tree node or purpose (`dom0 RAM bank 0`). */
  node: string;
  /** Xen's p2m type. */
  p2mType: string;
  /** Stage-2 MemAttr[3:0]. */
  s2MemAttr: number;
  /** The stage-2 type MemAttr stands for. */
  s2Type: string;
  /** Stage-2 access (`RW`, `RO`) and execute permission. */
  s2Access: string;
  /** The policy rule that chose the p2m type. */
  rule: string;
  /** The mapping comes from a proposal that was never in Xen. */
  proposed: boolean;
  /** dom0's stage-1 mappings of the region (empty when dom0 never mapped it). */
  stage1: Stage1View[];
}

/** A region dom0 maps that has no stage-2 mapping: Xen traps the accesses. */
export interface TrappedRegion {
  /** First IPA. */
  ipa: number;
  /** Size dom0 mapped. */
  size: number;
  /** Device-tree node, when dom0 knows it. */
  node: string;
  /** dom0's stage-1 view. */
  stage1: Omit<Stage1View, "effective" | "decidedBy" | "combineRule">;
  /** What answers the accesses (`vGICv3 distributor`, ...), or null: Xen injects an abort. */
  emulatedBy: string | null;
}

/** A change that would avoid a fault, and whether a second boot with it confirmed that. */
export interface FixSuggestion {
  /** What to change, in the user's terms. */
  change: string;
  /** How to try it with dom0sim. */
  how: string;
  /** True when a boot with the change ran the workload without this fault. */
  verified: boolean;
}

/** A fault dom0 took, explained. */
export interface FaultReport {
  /** What dom0 printed first (Linux's message). */
  message: string;
  /** ESR_EL1 as dom0 received it. */
  esr: number;
  /** Exception class name as Linux prints it. */
  ecName: string;
  /** Fault status code and Linux's name for it, as dom0 saw it. */
  fsc: number;
  /** Linux's name of `fsc`. */
  fscName: string;
  /** Faulting VA (16 hex digits). */
  far: string;
  /** The kernel routine and the instruction class. */
  routine: string;
  /** Instruction class (`stp`, `dc zva`, `ldxr`, ...). */
  insn: string;
  /** What happened to dom0 (`task-killed`, `panic`, `signal`). */
  outcome: string;
  /** The task that was running, `comm[pid]`. */
  task: string;
  /** The exception level the access came from (0 user space, 1 kernel). */
  el: 0 | 1;
  /** Where the architecture raised it: stage 1 at EL1, stage 2 at EL2, or an external abort. */
  origin: "stage1" | "stage2" | "external-abort" | "unknown";
  /** The architectural fault before Xen rewrote it (stage-2 faults), e.g. DFSC 0x21. */
  architectural?: { esr: number; fsc: number; name: string; ipa?: number };
  /** The region it hit, when known. */
  region?: { node: string; p2mType: string; s1Type?: string; effective?: string };
  /** One paragraph: why it happened. */
  cause: string;
  /** Changes that avoid it. */
  fixes: FixSuggestion[];
}

/** A domU's stage-2 map (the guest's own stage 1 is not modelled: no domU kernel runs). */
export interface DomUSummary {
  /** Domain ID. */
  domid: number;
  /** `name` from the config. */
  name: string;
  /** Config file. */
  config: string;
  /** Guest RAM banks (guest physical addresses). */
  banks: { start: number; end: number; size: number }[];
  /** The toolstack's hypercalls as dom0 issued them, with Xen's return codes. */
  steps: { what: string; rc: number }[];
  /** Stage-2 regions (IPA → PA, p2m type, rule); `stage1` is always empty. */
  memoryMap: MemoryMapRow[];
}

/** Cost of one device (counters summed over all CPUs and domains). */
export interface DeviceCost extends CostCounters {
  /** Device name (the node path for models built from the tree). */
  device: string;
  /** Model (`ram`, `sram`, `gicv3`, ...). */
  model: string;
}

/** The summary of one boot. */
export interface BootSummary {
  /** Tool and version. */
  tool: string;
  /** dom0sim version. */
  version: string;
  /** Board file. */
  board: string;
  /** Policy name, description and whether it is a proposal. */
  policy: { name: string; summary: string; proposed: boolean };
  /** Workload name. */
  workload: string;
  /** How the run ended: `ok`, or dom0's failure (`oops`, `panic`, `hang`). */
  outcome: "ok" | "oops" | "panic" | "hang";
  /** Why, when not ok. */
  reason?: string;
  /** The CLI's exit status for this run (0 clean, 1 dom0 faulted or panicked). */
  exitCode: 0 | 1;
  /** dom0's RAM banks as Xen allocated them. */
  banks: { start: number; end: number; size: number }[];
  /** Where Xen placed kernel, initrd and DTB. */
  placement: { kernel?: [number, number]; initrd?: [number, number]; dtb?: [number, number] };
  /** dom0's memory map. */
  memoryMap: MemoryMapRow[];
  /** Regions dom0 maps at stage 1 that Xen does not map at stage 2 (trapped and emulated, or not). */
  trapped: TrappedRegion[];
  /** domUs created after dom0 booted (`--domu`), with their stage-2 maps. */
  domUs: DomUSummary[];
  /** Faults. */
  faults: FaultReport[];
  /** The workload's result. */
  workloadResult: WorkloadResult | null;
  /** Access counts per kernel routine (dom0). */
  routines: RoutineStats[];
  /** Cost per device. */
  cost: DeviceCost[];
  /** Latency table used (cycles per event). */
  latencies: unknown;
  /** Notes: what the firmware stage added or adjusted (dtc-style warnings are in `warnings`). */
  notes: string[];
}

/** Stage-2 MemAttr[3:0] (no FWB) as a type name. */
export function s2TypeName(memAttr: number): string {
  if ((memAttr & 0xc) === 0) {
    return ["Device-nGnRnE", "Device-nGnRE", "Device-nGRE", "Device-GRE"][memAttr & 3];
  }
  const half = (v: number) => ["?", "NC", "WT", "WB"][v];
  const o = half((memAttr >> 2) & 3);
  const i = half(memAttr & 3);
  return o === i ? `Normal-${o}` : `Normal-i${i}o${o}`;
}

/**
 * dom0's stage-2 regions as the p2m holds them at the end: a later mapping of the same pages
 * replaces an earlier one (Xen maps a `/reserved-memory` child and then the `mmio-sram` node on
 * top of it, say), so each row shows the record that won, and names every node that mapped the
 * pages. Contiguous pages with the same type and rule form one row.
 */
function stage2Rows(domain: Domain): MemoryMapRow[] {
  const recs = domain.mappings.filter((m) => !m.removed);
  // Latest first: a record only shows where no later record covers the pages.
  const covered: { start: number; end: number }[] = [];
  const segs: { ipa: number; size: number; rec: (typeof recs)[number] }[] = [];
  for (let i = recs.length - 1; i >= 0; i--) {
    const m = recs[i];
    let pieces = [{ start: m.ipa, end: m.ipa + m.size }];
    for (const c of covered) {
      const next: { start: number; end: number }[] = [];
      for (const p of pieces) {
        if (c.end <= p.start || c.start >= p.end) next.push(p);
        else {
          if (c.start > p.start) next.push({ start: p.start, end: c.start });
          if (c.end < p.end) next.push({ start: c.end, end: p.end });
        }
      }
      pieces = next;
    }
    for (const p of pieces) segs.push({ ipa: p.start, size: p.end - p.start, rec: m });
    covered.push({ start: m.ipa, end: m.ipa + m.size });
  }
  segs.sort((a, b) => a.ipa - b.ipa);
  const rows: MemoryMapRow[] = [];
  for (const { ipa, size, rec: m } of segs) {
    const prev = rows[rows.length - 1];
    if (
      prev && prev.p2mType === m.type && prev.rule === m.rule && prev.ipa + prev.size === ipa &&
      prev.pa + prev.size === m.pa + (ipa - m.ipa) && prev.proposed === m.proposed
    ) {
      prev.size += size;
      continue;
    }
    rows.push({
      ipa,
      pa: m.pa + (ipa - m.ipa),
      size,
      node: m.source,
      p2mType: m.type,
      s2MemAttr: m.memAttr,
      s2Type: s2TypeName(m.memAttr),
      s2Access: `${m.s2ap}${m.xn ? " XN" : " X"}`,
      rule: m.rule,
      proposed: m.proposed,
      stage1: [],
    });
  }
  // Name every node that mapped a row's pages (sub-page neighbours, reserved-memory backing).
  for (const row of rows) {
    const names = [row.node];
    for (const m of recs) {
      if (m.ipa < row.ipa + row.size && row.ipa < m.ipa + m.size && !names.includes(m.source)) {
        names.push(m.source);
      }
    }
    row.node = names.join(", ");
  }
  return rows;
}

function shOfStage2(run: BootRun, ipa: number): number {
  const l = run.xen.dom0.p2m.lookup(Math.floor(ipa / 4096));
  return l.entry ? l.entry.sh : 2;
}

function attachStage1(run: BootRun, rows: MemoryMapRow[]): void {
  const mair = decodeMair(run.cpus[0].mrs("MAIR_EL1"));
  for (const m of run.dom0.mappings) {
    const start = m.ipa;
    const end = m.ipa + m.size;
    for (const row of rows) {
      if (end <= row.ipa || start >= row.ipa + row.size) continue;
      const s1Attr = mair[m.mairIndex] ?? 0;
      const c = combineAttributes(s1Attr, 3, row.s2MemAttr, shOfStage2(run, row.ipa));
      row.stage1.push(stage1View(m, s1Attr, c));
    }
  }
}

function stage1View(
  m: S1Mapping,
  s1Attr: number,
  c: ReturnType<typeof combineAttributes>,
): Stage1View {
  return {
    api: m.api,
    driver: m.driver,
    device: m.device,
    type: m.s1Type || memTypeName(s1Attr),
    va: BigInt.asUintN(64, BigInt(m.va)).toString(16).padStart(16, "0"),
    size: m.size,
    live: m.live,
    effective: c.type,
    decidedBy: c.provenance.decidedBy,
    combineRule: c.provenance.rule,
  };
}

function trappedRegions(run: BootRun, rows: MemoryMapRow[]): TrappedRegion[] {
  const out: TrappedRegion[] = [];
  const mair = decodeMair(run.cpus[0].mrs("MAIR_EL1"));
  for (const m of run.dom0.mappings) {
    if (rows.some((r) => m.ipa < r.ipa + r.size && r.ipa < m.ipa + m.size)) continue;
    const info = run.xen.lookup(m.ipa, 0);
    if (info.pa !== null) continue;
    out.push({
      ipa: m.ipa,
      size: m.size,
      node: m.node ?? m.device ?? "",
      stage1: {
        api: m.api,
        driver: m.driver,
        device: m.device,
        type: m.s1Type || memTypeName(mair[m.mairIndex] ?? 0),
        va: BigInt.asUintN(64, BigInt(m.va)).toString(16).padStart(16, "0"),
        size: m.size,
        live: m.live,
      },
      emulatedBy: info.emulatedBy ?? null,
    });
  }
  return out;
}

function rowAt(rows: MemoryMapRow[], ipa: number): MemoryMapRow | undefined {
  return rows.find((r) => ipa >= r.ipa && ipa < r.ipa + r.size);
}

/** A fix to try: a description and the changed boot options (the rerun callback applies it). */
export interface FixCandidate {
  /** What to change. */
  change: string;
  /** The dom0sim command-line way to try it. */
  how: string;
  /** The variation, interpreted by the rerun callback. */
  variation: Variation;
}

/** A variation of a run for what-if boots. */
export type Variation =
  | { kind: "policy"; policy: string }
  | { kind: "op"; index: number; field: "op" | "mapping" | "via"; value: string }
  | { kind: "drop-property"; node: string; property: string };

/** The faulting operation of the workload, when the fault happened in one. */
function faultOp(
  w: WorkloadResult | null,
  f: FaultRecord,
): { index: number; op: string; via?: string } | null {
  if (!w) return null;
  const r = w.ops.find((o) =>
    o.fault === f || (o.fault && o.fault.far === f.far && o.fault.esr === f.esr)
  );
  return r ? { index: r.index, op: r.op, via: (r as { via?: string }).via } : null;
}

const SAFE_IO: Record<string, string> = {
  memcpy: "memcpy_toio",
  memset: "memset_io",
  write: "memcpy_toio",
};

/** The fixes worth trying for a fault, most specific first. */
export function fixCandidates(run: BootRun, rep: FaultReport, f: FaultRecord): FixCandidate[] {
  const out: FixCandidate[] = [];
  const align = rep.architectural?.fsc === 0x21 || (rep.origin === "stage1" && f.fsc === 0x21);
  const op = faultOp(run.dom0.workload, f);
  const region = rep.region;
  if (rep.origin === "stage2" && region && region.p2mType !== "p2m_mmio_direct_c") {
    out.push({
      change:
        `let dom0's stage 1 decide: map ${region.node} p2m_mmio_direct_c (Normal WB at stage 2), as Xen ≥ 4.8.1 does`,
      how: "--policy xen-4.17",
      variation: { kind: "policy", policy: "xen-4.17" },
    });
  }
  if (align && op && SAFE_IO[op.op] && (op.via ?? "raw-sram") !== "sram-export") {
    out.push({
      change: `use ${
        SAFE_IO[op.op]
      }() instead of ${op.op}(): it makes only naturally aligned 1- and 8-byte accesses and never DC ZVA`,
      how: `scenario: ops[${op.index}].op = "${SAFE_IO[op.op]}"`,
      variation: { kind: "op", index: op.index, field: "op", value: SAFE_IO[op.op] },
    });
  }
  if (rep.origin === "stage1" && region?.s1Type?.startsWith("Device") && op) {
    out.push({
      change:
        "map the region Normal at stage 1 (memremap(MEMREMAP_WB) or ioremap_wc) in the driver",
      how: `scenario: ops[${op.index}].mapping = "wb"`,
      variation: { kind: "op", index: op.index, field: "mapping", value: "wb" },
    });
  }
  if (
    rep.origin === "stage1" && region &&
    run.hostTree.lookup(region.node.split(", ")[0])?.has("no-memory-wc")
  ) {
    out.push({
      change:
        `remove no-memory-wc from ${region.node} so the sram driver maps it with ioremap_wc (Normal-NC)`,
      how: `delete the property in the board file`,
      variation: {
        kind: "drop-property",
        node: region.node.split(", ")[0],
        property: "no-memory-wc",
      },
    });
  }
  if (
    (f.fsc === 0x35 || rep.architectural?.fsc === 0x35 || rep.origin === "external-abort") && op
  ) {
    out.push({
      change:
        "keep exclusives and atomics on Normal Inner/Outer Write-Back memory (map the SRAM WB), or use a lock in normal RAM",
      how: `scenario: ops[${op.index}].mapping = "wb"`,
      variation: { kind: "op", index: op.index, field: "mapping", value: "wb" },
    });
  }
  return out;
}

function explainFault(
  run: BootRun,
  rows: MemoryMapRow[],
  f: FaultRecord,
  ev: Extract<CpuEvent, { type: "fault" | "external-abort" }> | undefined,
): FaultReport {
  const rep: FaultReport = {
    message: f.message,
    esr: f.esr,
    ecName: f.ecName,
    fsc: f.fsc,
    fscName: f.fscName,
    far: f.far,
    routine: f.routine,
    insn: f.insn,
    outcome: f.outcome,
    task: `${f.task.comm}[${f.task.pid}]`,
    el: f.ec === 0x24 || f.ec === 0x20 ? 0 : 1,
    origin: "unknown",
    cause: "",
    fixes: [],
  };
  const va = Number(BigInt.asIntN(64, BigInt("0x" + f.far)));
  const s1 = run.dom0.mappings.find((m) => va >= m.va && va < m.va + m.size);
  const ipa = ev && ev.type === "fault" && ev.ipa !== undefined
    ? ev.ipa
    : s1
    ? s1.ipa + (va - s1.va)
    : undefined;
  const row = ipa !== undefined ? rowAt(rows, ipa) : undefined;
  if (row) {
    const view = s1
      ? row.stage1.find((v) => v.api === s1.api && v.driver === s1.driver)
      : undefined;
    rep.region = {
      node: row.node,
      p2mType: row.p2mType,
      s1Type: view?.type,
      effective: view?.effective,
    };
  }
  const what = f.insn === "dc zva"
    ? "DC ZVA"
    : f.insn === "ldxr" || f.insn === "stxr" || f.insn === "atomic"
    ? `an exclusive/atomic access (${f.insn})`
    : `an unaligned ${f.insn.toUpperCase()}`;
  if (ev?.type === "external-abort") {
    rep.origin = "external-abort";
    rep.cause =
      `The device at PA ${hex(ev.pa)} answered ${ev.resp} to ${ev.insn}: the slave refuses ` +
      `this transaction (size, burst or exclusive), so the CPU takes an external abort.`;
  } else if (ev && ev.stage === 2) {
    rep.origin = "stage2";
    rep.architectural = { esr: ev.esr, fsc: ev.fsc, name: ev.name, ipa: ev.ipa };
    const s2 = row ? `${row.s2Type} (${row.p2mType}, rule: ${row.rule})` : "its stage-2 type";
    rep.cause = ev.fsc === 0x21
      ? `${
        cap(what)
      } on memory that stage 2 makes Device: ${s2}. Device memory takes an alignment ` +
        `fault for any unaligned access and for DC ZVA (ARM ARM D8.2.10 / DC ZVA), whatever dom0's ` +
        `stage 1 says. The fault goes to EL2; Xen 4.17 does not handle DFSC 0x21 ("Unsupported FSC") ` +
        `and injects a data abort with ISS = 0, so dom0 sees ${hex(f.esr, 8)} (${f.fscName}).`
      : `A stage-2 fault (DFSC ${hex(ev.fsc, 2)}: ${ev.name}) at IPA ${
        hex(ev.ipa ?? 0)
      }; Xen 4.17 ` +
        `injected a data abort (ESR ${hex(f.esr, 8)}).`;
  } else if (ev && ev.stage === 1) {
    rep.origin = "stage1";
    rep.cause = f.fsc === 0x21
      ? `${cap(what)} on memory dom0's own stage-1 mapping makes Device` +
        (s1 ? ` (${s1.api}: ${s1.s1Type})` : "") +
        `. Device memory takes an alignment fault for any unaligned access and for DC ZVA; stage 2 ` +
        `(${row ? row.s2Type : "Normal WB"}) lets stage 1 decide.`
      : f.fsc === 0x35
      ? `${cap(what)} on memory that is not Normal Inner/Outer Write-Back: the SRAM does not ` +
        `support exclusives, an IMPLEMENTATION DEFINED fault (DFSC 0x35).`
      : `A stage-1 fault (${f.fscName}) at VA ${f.far}.`;
  } else {
    rep.cause = `dom0 took ${f.fscName} at VA ${f.far}.`;
  }
  return rep;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Pair dom0's faults with the CPU's fault events, in order. */
function pairFaults(
  faults: FaultRecord[],
  events: CpuEvent[],
): (Extract<CpuEvent, { type: "fault" | "external-abort" }> | undefined)[] {
  const pool = events.filter((e): e is Extract<CpuEvent, { type: "fault" | "external-abort" }> =>
    e.type === "fault" || e.type === "external-abort"
  );
  let next = 0;
  return faults.map((f) => {
    const va = Number(BigInt.asIntN(64, BigInt("0x" + f.far)));
    for (let i = next; i < pool.length; i++) {
      if (pool[i].va === va) {
        next = i + 1;
        return pool[i];
      }
    }
    return undefined;
  });
}

/** Options of {@link summarize}. */
export interface SummarizeOptions {
  /** CPU fault events recorded during the run (from the boot's observer). */
  events?: CpuEvent[];
  /**
   * Re-run the boot with a variation and report whether the fault is gone; when absent, fixes
   * are listed unverified.
   */
  rerun?: (v: Variation) => BootRun | null;
  /** domUs built after the boot, with their config file names. */
  domUs?: { file: string; name: string; build: DomUBuild }[];
}

/** Build the summary of a run. */
export function summarize(run: BootRun, opts: SummarizeOptions = {}): BootSummary {
  const rows = stage2Rows(run.xen.dom0);
  attachStage1(run, rows);
  const evs = pairFaults(run.dom0.faults, opts.events ?? []);
  const faults = run.dom0.faults.map((f, i) => {
    const rep = explainFault(run, rows, f, evs[i]);
    rep.fixes = fixCandidates(run, rep, f).map((c) => {
      let verified = false;
      if (opts.rerun) {
        const again = opts.rerun(c.variation);
        verified = again !== null && again.dom0.outcome === "ok" &&
          !again.dom0.faults.some((g) => g.routine === f.routine && g.insn === f.insn);
      }
      return { change: c.change, how: c.how, verified };
    });
    return rep;
  });

  const xen = run.xen;
  const slotName = (slot: number) => {
    if (slot === 0) return "xen";
    return slot - 1 === xen.dom0.p2m.vmid ? "d0" : `vmid ${slot - 1}`;
  };
  const snap = run.machine.cost.snapshot(run.machine.bus, slotName);
  const cost: DeviceCost[] = snap.devices.map((d) => ({
    device: d.name,
    model: d.model,
    ...d.total,
  }));
  const policy = findPolicy(run.policy);
  const k = xen.build.kinfo;
  const placement: BootSummary["placement"] = {};
  if (k.zimage) placement.kernel = [k.entry, k.entry + k.zimage.len];
  if (k.initrd) placement.initrd = [k.initrdPaddr, k.initrdPaddr + k.initrd.size];
  placement.dtb = [k.dtbPaddr, k.dtbPaddr + xen.build.dtb.length];
  const d0 = run.dom0;
  return {
    tool: "dom0sim",
    version: VERSION,
    board: run.board,
    policy: {
      name: run.policy,
      summary: policy?.summary ?? "",
      proposed: policy?.proposed ?? false,
    },
    workload: run.workload,
    outcome: d0.outcome,
    reason: d0.reason,
    exitCode: d0.outcome === "ok" && faults.length === 0 ? 0 : 1,
    banks: xen.dom0.banks.map((b) => ({ start: b.start, end: b.start + b.size, size: b.size })),
    placement,
    memoryMap: rows,
    trapped: trappedRegions(run, rows),
    domUs: (opts.domUs ?? []).map((u) => ({
      domid: u.build.domain.domid,
      name: u.name,
      config: u.file,
      banks: u.build.banks.map((b) => ({ start: b.start, end: b.start + b.size, size: b.size })),
      steps: u.build.steps,
      memoryMap: stage2Rows(u.build.domain),
    })),
    faults,
    workloadResult: d0.workload,
    routines: d0.accessCounts,
    cost,
    latencies: snap.latencies,
    notes: [...run.firmware.notes],
  };
}
