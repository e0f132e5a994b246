/**
 * The terminal report of a boot: the serial console (Xen's `(XEN)` lines and dom0's console, as
 * they scroll by on real hardware), then dom0sim's summary — memory map with both stages and the
 * effective type, faults with their cause and verified fixes, cost per device.
 *
 * @module
 */

import type { BootRun } from "./boot.ts";
import { type BootSummary, hex, type MemoryMapRow } from "./summary.ts";
import { grouped, humanSize, renderTable } from "./text_table.ts";

/** Options of {@link renderBootText}. */
export interface TextOptions {
  /** Show dom0sim's own `(XEN) [dom0sim]` lines (the per-region `Mapping` lines). */
  verbose?: boolean;
  /** Omit the console and print only the summary. */
  summaryOnly?: boolean;
  /**
   * Whether the fixes were tried by booting again (false with `--no-verify`): an unverified fix
   * then reads "not tried" rather than "not confirmed". Default true.
   */
  fixesTried?: boolean;
}

/** The console lines to show. */
export function consoleLines(run: BootRun, verbose = false): string[] {
  return verbose ? run.serial : run.serial.filter((l) => !l.startsWith("(XEN) [dom0sim]"));
}

/** A node list shortened for a table cell: the first names and a count of the rest. */
function nodes(list: string): string {
  const all = list.split(", ");
  return all.length <= 2 ? list : `${all[0]} (+${all.length - 1} more)`;
}

function range(start: number, size: number): string {
  return `${hex(start, 8)}-${hex(start + size - 1, 8)}`;
}

function stage1Cells(row: MemoryMapRow): string[][] {
  if (row.stage1.length === 0) return [["—", "—", "—"]];
  // Many stage-1 mappings of RAM (linear map, kernel image, fixmap): show distinct kinds once.
  const seen = new Map<string, { cells: string[]; n: number }>();
  for (const v of row.stage1) {
    const key = `${v.api}|${v.type}|${v.effective}|${v.decidedBy}`;
    const e = seen.get(key);
    if (e) e.n++;
    else {
      seen.set(key, {
        cells: [
          `${v.api} ${v.type}${v.live ? "" : " (unmapped)"}`,
          v.effective,
          v.decidedBy,
        ],
        n: 1,
      });
    }
  }
  return [...seen.values()].map((e) =>
    e.n > 1 ? [e.cells[0] + ` ×${e.n}`, ...e.cells.slice(1)] : e.cells
  );
}

/** The summary section as text. */
export function renderSummaryText(s: BootSummary, opts: TextOptions = {}): string {
  const out: string[] = [];
  const pol = `${s.policy.name}${s.policy.proposed ? " (proposed, not in Xen)" : ""}`;
  out.push(`== dom0sim ${s.version}: ${s.board} · policy ${pol} · workload ${s.workload} ==`);
  const first = s.faults[0];
  const where = first
    ? `${
      first.el === 0 && first.routine === "kernel" ? first.task : first.routine
    } (${first.insn}) took ${
      first.origin === "stage2"
        ? `a stage-2 ${first.architectural?.name ?? "fault"} that Xen injected`
        : first.origin === "stage1"
        ? `a stage-1 ${first.fscName}`
        : first.origin === "external-abort"
        ? "an external abort"
        : first.fscName
    }${s.faults.length > 1 ? ` (+${s.faults.length - 1} more)` : ""}`
    : "";
  const verdict = s.outcome === "ok" && s.faults.length === 0
    ? "ok: dom0 booted and ran the workload without a fault"
    : s.outcome === "ok"
    ? `dom0 booted, but ${where}`
    : `dom0 ${s.outcome}${s.reason ? ` (${s.reason})` : ""}${where ? `: ${where}` : ""}`;
  out.push(`Outcome: ${verdict} (exit ${s.exitCode})`);
  if (s.policy.summary) out.push(`Policy:  ${s.policy.summary}`);
  out.push("");

  // Memory map
  const rules: string[] = [];
  const ruleRef = (r: string) => {
    let i = rules.indexOf(r);
    if (i < 0) {
      rules.push(r);
      i = rules.length - 1;
    }
    return `R${i + 1}`;
  };
  const rows: string[][] = [];
  for (const r of s.memoryMap) {
    const s1 = stage1Cells(r);
    s1.forEach((c, i) => {
      rows.push(
        i === 0
          ? [
            range(r.ipa, r.size),
            humanSize(r.size),
            nodes(r.node),
            r.p2mType,
            `${hex(r.s2MemAttr)} ${r.s2Type}`,
            ruleRef(r.rule + (r.proposed ? " [proposed, not in Xen]" : "")),
            ...c,
          ]
          : ["", "", "", "", "", "", ...c],
      );
    });
  }
  for (const t of s.trapped) {
    rows.push([
      range(t.ipa, t.size),
      humanSize(t.size),
      t.node,
      "(not mapped)",
      t.emulatedBy ? `trapped: ${t.emulatedBy}` : "trapped: abort",
      "",
      `${t.stage1.api} ${t.stage1.type}`,
      t.emulatedBy ? "emulated by Xen" : "data abort",
      "xen",
    ]);
  }
  out.push("dom0 memory map (dom0 is direct-mapped: IPA = PA)");
  out.push(renderTable([
    { title: "IPA range" },
    { title: "size", right: true },
    { title: "node" },
    { title: "p2m type" },
    { title: "stage 2" },
    { title: "rule" },
    { title: "dom0 stage 1" },
    { title: "effective" },
    { title: "decided by" },
  ], rows));
  const legendAt = out.length;
  out.push("");

  // domUs
  for (const u of s.domUs) {
    out.push(`domU ${u.name} (d${u.domid}, ${u.config}): stage-2 map (guest physical → machine)`);
    out.push(renderTable(
      [
        { title: "IPA range" },
        { title: "size", right: true },
        { title: "PA range" },
        { title: "source" },
        { title: "p2m type" },
        { title: "stage 2" },
        { title: "rule" },
      ],
      u.memoryMap.map((r) => [
        range(r.ipa, r.size),
        humanSize(r.size),
        range(r.pa, r.size),
        nodes(r.node),
        r.p2mType,
        `${hex(r.s2MemAttr)} ${r.s2Type}`,
        ruleRef(r.rule + (r.proposed ? " [proposed, not in Xen]" : "")),
      ]),
    ));
    const failed = u.steps.filter((x) => x.rc !== 0);
    for (const f of failed) out.push(`  ${f.what}: Xen returned ${f.rc}`);
    if (u.memoryMap.some((r) => r.s2Type.startsWith("Device"))) {
      out.push(
        "  Stage 2 is Device here: whatever the guest maps at stage 1, plain memcpy/memset on these" +
          " regions take alignment faults (DC ZVA, unaligned accesses); use the _io routines.",
      );
    }
    out.push("");
  }

  out.splice(legendAt, 0, "  rules:", ...rules.map((r, i) => `    R${i + 1}  ${r}`));

  // Faults
  if (s.faults.length === 0) {
    out.push("Faults: none");
  } else {
    out.push(`Faults (${s.faults.length})`);
    s.faults.forEach((f, i) => {
      const code = f.el === 0 && f.routine === "kernel" ? "user code" : f.routine;
      out.push(
        `  [${i + 1}] ${f.task} at EL${f.el}: ${code}: ${f.insn} at ${f.far} — ${f.outcome}`,
      );
      out.push(
        `      dom0 saw: ESR ${hex(f.esr, 8)} (${f.ecName}; FSC ${hex(f.fsc, 2)}: ${f.fscName})`,
      );
      if (f.architectural) {
        out.push(
          `      architecture: ${f.architectural.name} (DFSC ${
            hex(f.architectural.fsc, 2)
          }) at stage 2, ` +
            `ESR_EL2 ${hex(f.architectural.esr, 8)}` +
            (f.architectural.ipa !== undefined ? `, IPA ${hex(f.architectural.ipa)}` : "") +
            " → Xen",
        );
      }
      if (f.region) {
        out.push(
          `      region: ${f.region.node}: ${f.region.p2mType}` +
            (f.region.s1Type ? ` × stage 1 ${f.region.s1Type}` : "") +
            (f.region.effective ? ` = ${f.region.effective}` : ""),
        );
      }
      out.push(...wrap(`why: ${f.cause}`, 96).map((l) => "      " + l));
      for (const x of f.fixes) {
        out.push(
          `      fix (${
            x.verified
              ? "verified by a second boot"
              : opts.fixesTried === false
              ? "not tried: --no-verify"
              : "not confirmed by a second boot"
          }): ${x.change}`,
        );
        out.push(`          try: ${x.how}`);
      }
    });
  }
  out.push("");

  // Cost
  out.push("Cost per device (all CPUs; cycles from the latency table, override with --latencies)");
  out.push(renderTable(
    [
      { title: "device" },
      { title: "model" },
      { title: "accesses", right: true },
      { title: "bytes", right: true },
      { title: "bus reads", right: true },
      { title: "bus writes", right: true },
      { title: "line fills", right: true },
      { title: "DC ZVA", right: true },
      { title: "cycles", right: true },
    ],
    s.cost.map((c) => [
      c.device,
      c.model,
      grouped(c.accesses),
      grouped(c.bytes),
      grouped(c.readTransactions),
      grouped(c.writeTransactions),
      grouped(c.lineFills),
      grouped(c.dcZva),
      grouped(c.cycles),
    ]),
  ));
  if (s.notes.length > 0) {
    out.push("");
    out.push("Notes");
    for (const n of s.notes) out.push(`  - ${n}`);
  }
  return out.join("\n") + "\n";
}

/** Wrap text at `width` columns on spaces. */
export function wrap(text: string, width: number): string[] {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let cur = "";
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = "  " + w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
}

/** Console then summary. */
export function renderBootText(run: BootRun, s: BootSummary, opts: TextOptions = {}): string {
  const parts: string[] = [];
  if (!opts.summaryOnly) parts.push(consoleLines(run, opts.verbose).join("\n") + "\n\n");
  parts.push(renderSummaryText(s, opts));
  return parts.join("");
}
