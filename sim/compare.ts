/**
 * `dom0sim compare`: the same board and workload under several attribute policies, side by
 * side — outcome, faults with both syndromes (what dom0 saw and what the architecture raised at
 * stage 2), cost per device with the ratio to the cheapest policy, the memory-map rows whose
 * p2m type or effective type differ, and the difference between the device trees Xen wrote for
 * dom0 (printed as dtc would print them).
 *
 * @module
 */

import { readDtb } from "../dt/dtb_read.ts";
import { printDts } from "../dt/dts_print.ts";
import { VERSION } from "../version.ts";
import type { BootRun } from "./boot.ts";
import { unifiedDiff } from "./compare_diff.ts";
import { runBoard, type RunOptions } from "./run.ts";
import type { BootSummary, DeviceCost, FaultReport, MemoryMapRow } from "./summary.ts";

/** Options of {@link compareBoard}. */
export interface CompareOptions extends Omit<RunOptions, "policy"> {
  /** The policies, in column order. */
  policies: string[];
  /** Called after each run (for progress). */
  onRun?: (policy: string, index: number) => void;
}

/** One policy's run. */
export interface PolicyRun {
  /** Policy name. */
  policy: string;
  /** The boot. */
  run: BootRun;
  /** Its summary. */
  summary: BootSummary;
  /** dom0's device tree as DTS text (dtc -O dts of the DTB Xen wrote). */
  dom0Dts: string;
}

/** Cost of one device under each policy, and the ratio to the cheapest. */
export interface CostRow {
  /** Device name. */
  device: string;
  /** Model. */
  model: string;
  /** Cycles per policy (0 when the device saw no access). */
  cycles: number[];
  /** cycles / the smallest non-zero cycles of the row (null where cycles are 0). */
  ratio: (number | null)[];
}

/** What one policy gives an address range. */
export interface MapCell {
  /** p2m type, or `(not mapped)`. */
  p2mType: string;
  /** Stage-2 type. */
  s2Type: string;
  /** The rule. */
  rule: string;
  /** Effective types of dom0's stage-1 mappings there (`api: type`), empty when unmapped at S1. */
  effective: string[];
}

/** A memory-map range whose cells differ between policies. */
export interface MapDiffRow {
  /** First IPA. */
  ipa: number;
  /** Size. */
  size: number;
  /** The nodes (from the first policy that maps it). */
  node: string;
  /** One cell per policy. */
  cells: MapCell[];
}

/** The comparison. */
export interface Comparison {
  /** Board file. */
  board: string;
  /** Workload name. */
  workload: string;
  /** Policies, in column order. */
  policies: string[];
  /** The runs, one per policy. */
  runs: PolicyRun[];
  /** Cost rows, plus a total row named `total`. */
  cost: CostRow[];
  /** Ranges whose p2m type or effective type differ. */
  memoryMap: MapDiffRow[];
  /** dom0's device trees: identical, or a unified diff against the first policy's. */
  dom0Tree: { identical: boolean; diffs: { policy: string; against: string; diff: string }[] };
}

function dom0Dts(run: BootRun): string {
  return printDts(readDtb(run.xen.build.dtb, "dom0.dtb"));
}

/** Cost rows (one per device, then the total). */
export function costRows(summaries: BootSummary[]): CostRow[] {
  const keys: string[] = [];
  const rows = new Map<string, CostRow>();
  summaries.forEach((s, i) => {
    const seen = new Map<string, number>();
    for (const c of s.cost) {
      // The same device name can appear twice (e.g. two RAM pieces of one memory node).
      const nth = seen.get(c.device + c.model) ?? 0;
      seen.set(c.device + c.model, nth + 1);
      const key = `${c.device}\u0000${c.model}\u0000${nth}`;
      let r = rows.get(key);
      if (!r) {
        r = {
          device: c.device,
          model: c.model,
          cycles: summaries.map(() => 0),
          ratio: [],
        };
        rows.set(key, r);
        keys.push(key);
      }
      r.cycles[i] = c.cycles;
    }
  });
  const out = keys.map((k) => rows.get(k)!);
  out.push({
    device: "total",
    model: "",
    cycles: summaries.map((s) => s.cost.reduce((t, c: DeviceCost) => t + c.cycles, 0)),
    ratio: [],
  });
  for (const r of out) {
    const nz = r.cycles.filter((c) => c > 0);
    const min = nz.length ? Math.min(...nz) : 0;
    r.ratio = r.cycles.map((c) => (c > 0 && min > 0 ? c / min : null));
  }
  return out.filter((r) => r.cycles.some((c) => c > 0) || r.device === "total");
}

function cellOf(row: MemoryMapRow | undefined): MapCell {
  if (!row) return { p2mType: "(not mapped)", s2Type: "—", rule: "", effective: [] };
  const eff: string[] = [];
  for (const v of row.stage1) {
    const s = `${v.api}: ${v.effective}`;
    if (!eff.includes(s)) eff.push(s);
  }
  return { p2mType: row.p2mType, s2Type: row.s2Type, rule: row.rule, effective: eff };
}

function sameCell(a: MapCell, b: MapCell): boolean {
  return a.p2mType === b.p2mType && a.s2Type === b.s2Type &&
    a.effective.join("|") === b.effective.join("|");
}

/** The address ranges whose p2m type, stage-2 type or effective types differ between runs. */
export function memoryMapDiff(summaries: BootSummary[]): MapDiffRow[] {
  const bounds = new Set<number>();
  for (const s of summaries) {
    for (const r of s.memoryMap) {
      bounds.add(r.ipa);
      bounds.add(r.ipa + r.size);
    }
  }
  const pts = [...bounds].sort((a, b) => a - b);
  const out: MapDiffRow[] = [];
  for (let i = 0; i + 1 < pts.length; i++) {
    const lo = pts[i], hi = pts[i + 1];
    const rows = summaries.map((s) => s.memoryMap.find((r) => r.ipa <= lo && hi <= r.ipa + r.size));
    if (rows.every((r) => r === undefined)) continue;
    const cells = rows.map(cellOf);
    if (cells.every((c) => sameCell(c, cells[0]))) continue;
    const node = rows.find((r) => r !== undefined)!.node;
    const prev = out[out.length - 1];
    if (
      prev && prev.ipa + prev.size === lo && prev.node === node &&
      prev.cells.every((c, j) => sameCell(c, cells[j]))
    ) {
      prev.size += hi - lo;
      continue;
    }
    out.push({ ipa: lo, size: hi - lo, node, cells });
  }
  return out;
}

/** Boot the board under each policy and compare. */
export function compareBoard(file: string, bytes: Uint8Array, opts: CompareOptions): Comparison {
  const runs: PolicyRun[] = opts.policies.map((policy, i) => {
    const { run, summary } = runBoard(file, bytes, { ...opts, policy });
    opts.onRun?.(policy, i);
    return { policy, run, summary, dom0Dts: dom0Dts(run) };
  });
  const first = runs[0];
  const diffs = runs.slice(1).map((r) => ({
    policy: r.policy,
    against: first.policy,
    diff: unifiedDiff(
      first.dom0Dts.split("\n"),
      r.dom0Dts.split("\n"),
      `dom0.dts (${first.policy})`,
      `dom0.dts (${r.policy})`,
    ),
  })).filter((d) => d.diff !== "");
  const summaries = runs.map((r) => r.summary);
  return {
    board: file,
    workload: first.summary.workload,
    policies: opts.policies,
    runs,
    cost: costRows(summaries),
    memoryMap: memoryMapDiff(summaries),
    dom0Tree: { identical: diffs.length === 0, diffs },
  };
}

/** The `--json` object of `dom0sim compare` (schema 1). */
export interface CompareJson {
  /** Schema version. */
  schema: 1;
  /** Tool. */
  tool: "dom0sim";
  /** Version. */
  version: string;
  /** Board file. */
  board: string;
  /** Workload. */
  workload: string;
  /** Policies in column order. */
  policies: string[];
  /** Per policy: outcome, exit status, faults (both syndromes, cause, fixes), cost. */
  runs: {
    policy: string;
    outcome: BootSummary["outcome"];
    reason?: string;
    exitCode: 0 | 1;
    faults: FaultReport[];
    cost: DeviceCost[];
    totalCycles: number;
  }[];
  /** Cost per device per policy with the ratio to the cheapest. */
  cost: CostRow[];
  /** Differing memory-map ranges. */
  memoryMap: MapDiffRow[];
  /** dom0 device-tree comparison. */
  dom0Tree: Comparison["dom0Tree"];
  /** 1 when dom0 faulted or panicked under any policy. */
  exitCode: 0 | 1;
}

/** The exit status of a comparison: 1 when any run's dom0 faulted or panicked. */
export function compareExitCode(c: Comparison): 0 | 1 {
  return c.runs.some((r) => r.summary.exitCode !== 0) ? 1 : 0;
}

/** Build the JSON document. */
export function compareJson(c: Comparison): CompareJson {
  return {
    schema: 1,
    tool: "dom0sim",
    version: VERSION,
    board: c.board,
    workload: c.workload,
    policies: c.policies,
    runs: c.runs.map((r) => ({
      policy: r.policy,
      outcome: r.summary.outcome,
      reason: r.summary.reason,
      exitCode: r.summary.exitCode,
      faults: r.summary.faults,
      cost: r.summary.cost,
      totalCycles: r.summary.cost.reduce((t, x) => t + x.cycles, 0),
    })),
    cost: c.cost,
    memoryMap: c.memoryMap,
    dom0Tree: c.dom0Tree,
    exitCode: compareExitCode(c),
  };
}
