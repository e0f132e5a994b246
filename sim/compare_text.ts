/**
 * The terminal report of `dom0sim compare`: outcomes side by side, the faults with dom0's and the
 * architecture's syndromes, cost per device with the ratio to the cheapest policy, the
 * memory-map ranges that differ, and the dom0 device-tree comparison.
 *
 * @module
 */

import type { Comparison, MapCell } from "./compare.ts";
import { ANSI, paint } from "./lint_text.ts";
import { hex } from "./summary.ts";
import { grouped, humanSize, renderTable } from "./text_table.ts";

/** Options of {@link renderCompareText}. */
export interface CompareTextOptions {
  /** ANSI colours. */
  color?: boolean;
}

function ratio(r: number | null): string {
  return r === null ? "" : ` (${r.toFixed(2)}×)`;
}

/** `p2m_mmio_direct_c` → `direct_c`: keeps table cells narrow. */
function shortP2m(t: string): string {
  return t.replace(/^p2m_mmio_/, "").replace(/^p2m_/, "");
}

function cellText(c: MapCell): string {
  if (c.p2mType === "(not mapped)") return "(not mapped)";
  const eff = [...new Set(c.effective.map((e) => e.split(": ")[1]))];
  return `${shortP2m(c.p2mType)} ${c.s2Type} → ${eff.length ? eff.join("/") : "(no S1 map)"}`;
}

/** The comparison as text. */
export function renderCompareText(c: Comparison, opts: CompareTextOptions = {}): string {
  const color = opts.color ?? false;
  const out: string[] = [];
  out.push(
    paint(
      `== dom0sim compare: ${c.board} · workload ${c.workload} · ${c.policies.length} policies ==`,
      ANSI.bold,
      color,
    ),
  );
  out.push("");
  const total = c.cost.find((r) => r.device === "total")!;
  out.push("Outcome");
  out.push(renderTable(
    [
      { title: "policy" },
      { title: "outcome" },
      { title: "faults", right: true },
      { title: "exit", right: true },
      { title: "cycles (all devices)", right: true },
      { title: "what the policy does" },
    ],
    c.runs.map((r, i) => {
      const s = r.summary;
      const outcome = s.outcome === "ok" && s.faults.length === 0
        ? paint("ok", ANSI.green, color)
        : paint(s.outcome === "ok" ? "ok (faulted)" : s.outcome, ANSI.red, color);
      return [
        r.policy + (s.policy.proposed ? "*" : ""),
        outcome,
        String(s.faults.length),
        String(s.exitCode),
        grouped(total.cycles[i]) + ratio(total.ratio[i]),
        s.policy.summary.length > 70 ? s.policy.summary.slice(0, 69) + "…" : s.policy.summary,
      ];
    }),
  ));
  if (c.runs.some((r) => r.summary.policy.proposed)) {
    out.push("  * proposed, not in Xen");
  }
  out.push("");

  const faultRows: string[][] = [];
  for (const r of c.runs) {
    r.summary.faults.forEach((f) => {
      faultRows.push([
        r.policy,
        `${f.routine}: ${f.insn}`,
        `${hex(f.esr, 8)} ${f.fscName}`,
        f.architectural
          ? `stage 2: ${f.architectural.name} (DFSC ${hex(f.architectural.fsc, 2)}), ESR_EL2 ${
            hex(f.architectural.esr, 8)
          }`
          : f.origin === "stage1"
          ? `stage 1: FSC ${hex(f.fsc, 2)} (${f.fscName})`
          : f.origin,
        f.region
          ? `${f.region.p2mType.replace(/^p2m_mmio_/, "")} × ${f.region.s1Type ?? "?"} = ${
            f.region.effective ?? "?"
          }`
          : "",
        f.outcome,
      ]);
    });
  }
  if (faultRows.length === 0) out.push("Faults: none under any policy");
  else {
    out.push("Faults (dom0's view and the architecture's)");
    out.push(renderTable(
      [
        { title: "policy" },
        { title: "where" },
        { title: "dom0 saw (ESR_EL1)" },
        { title: "architecture" },
        { title: "region: S2 × S1 = effective" },
        { title: "dom0" },
      ],
      faultRows,
    ));
    out.push("  causes and verified fixes: dom0sim boot BOARD --policy NAME (or --report)");
  }
  out.push("");

  out.push("Cost per device (cycles; ratio to the cheapest policy)");
  out.push(renderTable(
    [
      { title: "device" },
      { title: "model" },
      ...c.policies.map((p) => ({ title: p, right: true })),
    ],
    c.cost.map((r) => [
      r.device,
      r.model,
      ...r.cycles.map((cy, i) => (cy > 0 ? grouped(cy) + ratio(r.ratio[i]) : "—")),
    ]),
  ));
  out.push("");

  if (c.memoryMap.length === 0) {
    out.push("Memory map: the same p2m types and effective types under every policy");
  } else {
    out.push(
      "Memory map: ranges whose p2m type or effective type differ (p2m type, stage 2 → effective)",
    );
    out.push(renderTable(
      [
        { title: "IPA range" },
        { title: "size", right: true },
        { title: "node" },
        ...c.policies.map((p) => ({ title: p })),
      ],
      c.memoryMap.map((r) => [
        `${hex(r.ipa, 8)}-${hex(r.ipa + r.size - 1, 8)}`,
        humanSize(r.size),
        r.node.split(", ").length > 2
          ? `${r.node.split(", ")[0]} (+${r.node.split(", ").length - 1})`
          : r.node,
        ...r.cells.map(cellText),
      ]),
    ));
  }
  out.push("");
  if (c.dom0Tree.identical) {
    out.push(
      `dom0 device tree: identical under ${
        c.policies.length === 1 ? "the policy" : "all " + c.policies.length + " policies"
      } — in Xen 4.17 the policy changes only stage-2 attributes, not the tree dom0 receives`,
    );
  } else {
    out.push("dom0 device tree: differs");
    for (const d of c.dom0Tree.diffs) out.push(d.diff.trimEnd());
  }
  return out.join("\n") + "\n";
}
