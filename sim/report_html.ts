/**
 * The HTML report (`--report OUT.html` on `boot` and `compare`): one self-contained file — no
 * network, no external fonts or scripts; inline CSS, SVG and a few lines of JS — with an SVG
 * memory map per domain (IPA and PA side by side, regions coloured by effective memory type,
 * p2m type and rule on hover, faults marked at their address), the memory-map, fault and cost
 * tables, and both consoles.
 *
 * @module
 */

import type { BootRun } from "./boot.ts";
import type { Comparison } from "./compare.ts";
import { consoleLines } from "./render_text.ts";
import {
  esc,
  LEGEND_TYPES,
  memTypeClass,
  renderMemorySvg,
  type SvgFault,
  type SvgRegion,
} from "./report_html_svg.ts";
import { reportCss } from "./report_html_css.ts";
import { type BootSummary, type FaultReport, hex, type MemoryMapRow } from "./summary.ts";
import { grouped, humanSize } from "./text_table.ts";

/** Effective types from the strictest (Device-nGnRnE) to the most relaxed (Normal-WB). */
const STRICTNESS = [
  "Device-nGnRnE",
  "Device-nGnRE",
  "Device-nGRE",
  "Device-GRE",
  "Normal-NC",
  "Normal-WT",
  "Normal-WB",
];

function strictness(t: string): number {
  const i = STRICTNESS.indexOf(t);
  if (i >= 0) return i;
  return t.startsWith("Device") ? 3.5 : 5.5;
}

/**
 * The memory type that colours a memory-map row: the strictest effective type of dom0's live
 * stage-1 mappings of it (all mappings when none is live), or the stage-2 type when dom0 never
 * mapped the region (then `stage2Only`).
 */
export function regionEffective(row: MemoryMapRow): { type: string; stage2Only: boolean } {
  const live = row.stage1.filter((v) => v.live);
  const views = live.length > 0 ? live : row.stage1;
  if (views.length === 0) return { type: row.s2Type, stage2Only: true };
  let best = views[0].effective;
  for (const v of views) if (strictness(v.effective) < strictness(best)) best = v.effective;
  return { type: best, stage2Only: false };
}

/** The IPA a fault hit: the architectural IPA, else the VA translated through dom0's mappings. */
export function faultIpa(run: BootRun, f: FaultReport): number | null {
  if (f.architectural?.ipa !== undefined) return f.architectural.ipa;
  const va = Number(BigInt.asIntN(64, BigInt("0x" + f.far)));
  const m = run.dom0.mappings.find((x) => va >= x.va && va < x.va + x.size);
  return m ? m.ipa + (va - m.va) : null;
}

function tooltipOf(row: MemoryMapRow): string[] {
  const t = [
    `${row.node}`,
    `IPA ${hex(row.ipa)}–${hex(row.ipa + row.size - 1)} (${humanSize(row.size)}) → PA ${
      hex(row.pa)
    }`,
    `p2m type: ${row.p2mType} (stage 2 ${row.s2Type}, MemAttr ${
      hex(row.s2MemAttr)
    }, ${row.s2Access})`,
    `rule: ${row.rule}${row.proposed ? " [proposed, not in Xen]" : ""}`,
  ];
  if (row.stage1.length === 0) t.push("dom0 stage 1: not mapped (colour = stage-2 type)");
  const seen = new Set<string>();
  for (const v of row.stage1) {
    const s =
      `dom0 ${v.api} (${v.driver}): ${v.type} → effective ${v.effective} (decided by ${v.decidedBy})${
        v.live ? "" : " [unmapped]"
      }`;
    if (!seen.has(s)) t.push(s);
    seen.add(s);
  }
  return t;
}

/** SVG regions of memory-map rows (one domain's stage-2 map). */
function rowRegions(rows: MemoryMapRow[]): SvgRegion[] {
  return rows.map((row, i) => {
    const e = regionEffective(row);
    return {
      ipa: row.ipa,
      pa: row.pa,
      size: row.size,
      node: row.node,
      type: e.type,
      stage2Only: e.stage2Only,
      trapped: false,
      tooltip: tooltipOf(row),
      row: i,
    };
  });
}

/** The regions of dom0's map for the SVG (memory-map rows, then trapped regions). */
export function svgRegions(s: BootSummary): SvgRegion[] {
  const out = rowRegions(s.memoryMap);
  s.trapped.forEach((t, j) => {
    out.push({
      ipa: t.ipa,
      pa: null,
      size: t.size,
      node: t.node,
      type: "trapped",
      stage2Only: false,
      trapped: true,
      tooltip: [
        t.node,
        `IPA ${hex(t.ipa)}–${hex(t.ipa + t.size - 1)} (${humanSize(t.size)})`,
        "not mapped at stage 2: " +
        (t.emulatedBy
          ? `accesses trap to Xen and are emulated by ${t.emulatedBy}`
          : "Xen injects a data abort"),
        `dom0 ${t.stage1.api} (${t.stage1.driver}): ${t.stage1.type}`,
      ],
      row: s.memoryMap.length + j,
    });
  });
  return out;
}

function legend(): string {
  return `<div class="legend">${
    LEGEND_TYPES.map((t) => `<span><i class="swatch ${memTypeClass(t)}"></i>${t}</span>`).join("")
  }<span><i class="swatch s2-only"></i>stage 2 only (dom0 never mapped it)</span><span><i class="swatch trapped"></i>trapped by Xen (not mapped)</span><span>◀ fault</span></div>`;
}

function table(
  head: string[],
  rows: string[][],
  cls: string[] = [],
  rowAttrs: string[] = [],
): string {
  const th = head.map((h) => `<th>${h}</th>`).join("");
  const trs = rows.map((r, i) =>
    `<tr${rowAttrs[i] ?? ""}>${
      r.map((c, j) => `<td${cls[j] ? ` class="${cls[j]}"` : ""}>${c}</td>`).join("")
    }</tr>`
  ).join("\n");
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

/** A node list for a table cell: up to three names, the rest behind a count (all in the title). */
function nodeCell(list: string): string {
  const all = list.split(", ");
  if (all.length <= 3) return esc(list);
  return `<span title="${esc(all.join("\n"))}">${esc(all.slice(0, 3).join(", "))} (+${
    all.length - 3
  } more)</span>`;
}

function memoryTable(s: BootSummary, prefix: string): string {
  const rows: string[][] = [];
  const attrs: string[] = [];
  s.memoryMap.forEach((r, i) => {
    const e = regionEffective(r);
    const views = [
      ...new Set(
        r.stage1.map((v) => `${v.api} ${v.type} → ${v.effective}${v.live ? "" : " (unmapped)"}`),
      ),
    ];
    rows.push([
      `${hex(r.ipa, 8)}–${hex(r.ipa + r.size - 1, 8)}`,
      humanSize(r.size),
      nodeCell(r.node),
      esc(r.p2mType),
      `${hex(r.s2MemAttr)} ${esc(r.s2Type)}`,
      esc(r.rule) + (r.proposed ? " <em>(proposed, not in Xen)</em>" : ""),
      views.length ? views.map(esc).join("<br>") : "—",
      `<i class="swatch ${memTypeClass(e.type)}${e.stage2Only ? " s2-only" : ""}"></i> ${
        esc(e.type)
      }`,
    ]);
    attrs.push(` id="${prefix}-row-${i}" data-row="${i}"`);
  });
  s.trapped.forEach((t, j) => {
    rows.push([
      `${hex(t.ipa, 8)}–${hex(t.ipa + t.size - 1, 8)}`,
      humanSize(t.size),
      esc(t.node),
      "(not mapped)",
      t.emulatedBy ? `trapped: ${esc(t.emulatedBy)}` : "trapped: abort",
      "",
      esc(`${t.stage1.api} ${t.stage1.type}`),
      `<i class="swatch trapped"></i> ${t.emulatedBy ? "emulated by Xen" : "data abort"}`,
    ]);
    attrs.push(
      ` id="${prefix}-row-${s.memoryMap.length + j}" data-row="${s.memoryMap.length + j}"`,
    );
  });
  return table(
    [
      "IPA range",
      "size",
      "node",
      "p2m type",
      "stage 2",
      "rule",
      "dom0 stage 1 → effective",
      "colour",
    ],
    rows,
    ["mono", "num", "mono", "mono", "mono", "", "mono", ""],
    attrs,
  );
}

function faultsSection(run: BootRun, s: BootSummary, opts: HtmlOptions): string {
  if (s.faults.length === 0) return `<p>No faults: dom0 ran the workload without one.</p>`;
  const items = s.faults.map((f, i) => {
    const ipa = faultIpa(run, f);
    const fixes = f.fixes.length === 0
      ? "<li>no suggestion</li>"
      : f.fixes.map((x) =>
        `<li><span class="${x.verified ? "verified" : "unverified"}">${
          x.verified
            ? "✔ verified by a second boot"
            : opts.fixesTried === false
            ? "not tried: --no-verify"
            : "not confirmed by a second boot"
        }</span>: ${esc(x.change)}<br><code>${esc(x.how)}</code></li>`
      ).join("");
    return `<h3 id="fault-${i + 1}">Fault ${i + 1}: ${esc(f.routine)} — ${esc(f.insn)} at ${
      esc(f.far)
    }${ipa !== null ? ` (IPA ${hex(ipa)})` : ""} — ${esc(f.outcome)}</h3>
<table><tbody>
<tr><th>dom0 saw</th><td class="mono">ESR ${hex(f.esr, 8)} (${esc(f.ecName)}; FSC ${
      hex(f.fsc, 2)
    }: ${esc(f.fscName)})</td></tr>
<tr><th>architecture</th><td class="mono">${
      f.architectural
        ? `${esc(f.architectural.name)} (DFSC ${hex(f.architectural.fsc, 2)}) at stage 2, ESR_EL2 ${
          hex(f.architectural.esr, 8)
        }${f.architectural.ipa !== undefined ? `, IPA ${hex(f.architectural.ipa)}` : ""} → Xen`
        : esc(f.origin)
    }</td></tr>
${
      f.region
        ? `<tr><th>region</th><td class="mono">${esc(f.region.node)}: ${esc(f.region.p2mType)}${
          f.region.s1Type ? ` × stage 1 ${esc(f.region.s1Type)}` : ""
        }${f.region.effective ? ` = ${esc(f.region.effective)}` : ""}</td></tr>`
        : ""
    }
<tr><th>why</th><td>${esc(f.cause)}</td></tr>
<tr><th>fixes</th><td><ul>${fixes}</ul></td></tr>
</tbody></table>`;
  });
  return items.join("\n");
}

function costTable(s: BootSummary): string {
  return table(
    [
      "device",
      "model",
      "accesses",
      "bytes",
      "bus reads",
      "bus writes",
      "line fills",
      "DC ZVA",
      "cycles",
    ],
    s.cost.map((c) => [
      esc(c.device),
      esc(c.model),
      grouped(c.accesses),
      grouped(c.bytes),
      grouped(c.readTransactions),
      grouped(c.writeTransactions),
      grouped(c.lineFills),
      grouped(c.dcZva),
      grouped(c.cycles),
    ]),
    ["mono", "", "num", "num", "num", "num", "num", "num", "num"],
  );
}

function consoles(run: BootRun): string {
  const lines = consoleLines(run);
  const xen = lines.filter((l) => l.startsWith("(XEN)"));
  return `<details><summary>Xen's console (${xen.length} lines)</summary><pre>${
    esc(xen.join("\n"))
  }</pre></details>
<details><summary>dom0's console (${run.dom0.console.length} lines)</summary><pre>${
    esc(run.dom0.console.join("\n"))
  }</pre></details>
<details><summary>Serial line as it scrolls by (${lines.length} lines)</summary><pre>${
    esc(lines.join("\n"))
  }</pre></details>`;
}

/** The body of one run: map, tables, consoles. `prefix` keeps ids unique on a page. */
function runSection(
  run: BootRun,
  s: BootSummary,
  prefix: string,
  opts: HtmlOptions = {},
): string {
  const faults: SvgFault[] = [];
  s.faults.forEach((f, i) => {
    const ipa = faultIpa(run, f);
    if (ipa !== null) {
      faults.push({
        address: ipa,
        index: i + 1,
        label: `fault ${i + 1}: ${f.routine} ${f.insn} at IPA ${hex(ipa)} — ${
          f.architectural ? f.architectural.name + " at stage 2" : f.fscName
        }`,
      });
    }
  });
  const domains = [...run.xen.core.domains.keys()].sort((a, b) => a - b);
  const svg = renderMemorySvg(svgRegions(s), faults, {
    title: `dom0 memory map under ${s.policy.name}`,
    id: `${prefix}-map-d0`,
  });
  const shown = new Set(s.domUs.map((u) => u.domid));
  const others = domains.filter((d) => d !== 0 && !shown.has(d));
  const domUs = s.domUs.map((u) => {
    const map = renderMemorySvg(rowRegions(u.memoryMap), [], {
      title: `domU ${u.name} (d${u.domid}) stage-2 map`,
      id: `${prefix}-map-d${u.domid}`,
    });
    const rows = u.memoryMap.map((r) =>
      `<tr><td>${hex(r.ipa)}–${hex(r.ipa + r.size - 1)}</td><td>${humanSize(r.size)}</td><td>${
        hex(r.pa)
      }–${hex(r.pa + r.size - 1)}</td><td>${esc(r.node)}</td><td>${esc(r.p2mType)}</td><td>${
        esc(`${hex(r.s2MemAttr)} ${r.s2Type}`)
      }</td><td>${esc(r.rule)}</td></tr>`
    ).join("\n");
    return `<h2>domU ${esc(u.name)} (d${u.domid}) stage-2 map</h2>
<p class="note">From ${
      esc(u.config)
    }. Guest physical addresses on the left, machine addresses on the right. No domU kernel runs in the model, so regions are coloured by their stage-2 type: a Device stage 2 stays Device whatever the guest maps.</p>
<div class="mapbox" data-domain="${u.domid}">${map}</div>
<table><thead><tr><th>IPA range</th><th>size</th><th>PA range</th><th>source</th><th>p2m type</th><th>stage 2</th><th>rule</th></tr></thead>
<tbody>${rows}</tbody></table>`;
  }).join("\n");
  return `<h2>dom0 memory map</h2>
${legend()}
<p class="note">IPA on the left, PA on the right; hover a region for its p2m type, rule and dom0's stage-1 mappings. dom0 is direct-mapped (IPA = PA) except Xen's GICC→GICV remap (dashed band). Address scale: each stretch grows with the logarithm of its size; unmapped stretches collapse into gaps.${
    others.length
      ? ` Other domains (${
        others.map((d) => `d${d}`).join(", ")
      }) have no memory map in this report.`
      : ""
  }</p>
<div class="mapbox" data-domain="0">${svg}</div>
<h2>Memory map table</h2>
${memoryTable(s, prefix)}
${domUs}
<h2>Faults (${s.faults.length})</h2>
${faultsSection(run, s, opts)}
<h2>Cost per device</h2>
${costTable(s)}
<h2>Consoles</h2>
${consoles(run)}`;
}

const SCRIPT = `
document.addEventListener("click", function (e) {
  var t = e.target;
  if (!(t instanceof Element) || !t.hasAttribute("data-row")) return;
  var box = t.closest("section");
  if (!box) return;
  box.querySelectorAll(".hl").forEach(function (x) { x.classList.remove("hl"); });
  box.querySelectorAll('[data-row="' + t.getAttribute("data-row") + '"]').forEach(function (x) {
    x.classList.add("hl");
    if (x.tagName === "TR") x.scrollIntoView({ block: "nearest" });
  });
});
`;

function page(title: string, header: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dom0sim">
<title>${esc(title)}</title>
<style>${reportCss()}</style>
</head>
<body>
<header>${header}</header>
<main>
${body}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function outcomeText(s: BootSummary): string {
  if (s.outcome === "ok" && s.faults.length === 0) {
    return `<span class="outcome-ok">ok</span>: dom0 booted and ran the workload without a fault`;
  }
  return `<span class="outcome-bad">${
    s.outcome === "ok" ? `dom0 survived ${s.faults.length} fault(s)` : `dom0 ${esc(s.outcome)}`
  }</span>${s.reason ? `: ${esc(s.reason)}` : ""}`;
}

/** Options of {@link renderBootHtml}. */
export interface HtmlOptions {
  /** False when the suggested fixes were not tried by booting again (`--no-verify`). */
  fixesTried?: boolean;
}

/** The HTML report of one boot. */
export function renderBootHtml(run: BootRun, s: BootSummary, opts: HtmlOptions = {}): string {
  const header = `<h1>dom0sim ${esc(s.version)}: ${esc(s.board)}</h1>
<div class="meta">policy <b>${esc(s.policy.name)}</b>${
    s.policy.proposed ? " (proposed, not in Xen)" : ""
  } — ${esc(s.policy.summary)}<br>workload <b>${esc(s.workload)}</b> · outcome: ${
    outcomeText(s)
  } (exit ${s.exitCode})</div>`;
  return page(
    `dom0sim: ${s.board} (${s.policy.name}, ${s.workload})`,
    header,
    `<section id="run" data-policy="${esc(s.policy.name)}">${
      runSection(run, s, "run", opts)
    }</section>`,
  );
}

/** The HTML report of a comparison: summary tables, then one section per policy. */
export function renderCompareHtml(c: Comparison): string {
  const total = c.cost.find((r) => r.device === "total")!;
  const outcome = table(
    ["policy", "outcome", "faults", "exit", "cycles (all devices)", "what the policy does"],
    c.runs.map((r, i) => [
      `<a href="#p-${esc(r.policy)}">${esc(r.policy)}</a>${r.summary.policy.proposed ? " *" : ""}`,
      outcomeText(r.summary),
      String(r.summary.faults.length),
      String(r.summary.exitCode),
      grouped(total.cycles[i]) +
      (total.ratio[i] !== null ? ` (${total.ratio[i]!.toFixed(2)}×)` : ""),
      esc(r.summary.policy.summary),
    ]),
    ["mono", "", "num", "num", "num", ""],
  );
  const faultRows: string[][] = [];
  for (const r of c.runs) {
    r.summary.faults.forEach((f) => {
      faultRows.push([
        esc(r.policy),
        esc(`${f.routine}: ${f.insn}`),
        `ESR ${hex(f.esr, 8)} ${esc(f.fscName)}`,
        f.architectural
          ? `stage 2: ${esc(f.architectural.name)} (DFSC ${hex(f.architectural.fsc, 2)}), ESR_EL2 ${
            hex(f.architectural.esr, 8)
          }`
          : esc(f.origin),
        esc(f.cause),
      ]);
    });
  }
  const cost = table(
    ["device", "model", ...c.policies.map(esc)],
    c.cost.map((r) => [
      esc(r.device),
      esc(r.model),
      ...r.cycles.map((cy, i) =>
        cy > 0 ? `${grouped(cy)}${r.ratio[i] !== null ? ` (${r.ratio[i]!.toFixed(2)}×)` : ""}` : "—"
      ),
    ]),
    ["mono", "", ...c.policies.map(() => "num")],
  );
  const map = c.memoryMap.length === 0
    ? "<p>The same p2m types and effective types under every policy.</p>"
    : table(
      ["IPA range", "size", "node", ...c.policies.map(esc)],
      c.memoryMap.map((r) => [
        `${hex(r.ipa, 8)}–${hex(r.ipa + r.size - 1, 8)}`,
        humanSize(r.size),
        nodeCell(r.node),
        ...r.cells.map((x) =>
          x.p2mType === "(not mapped)"
            ? "(not mapped)"
            : `${esc(x.p2mType)}<br>${esc(x.s2Type)}<br>${
              x.effective.map(esc).join("<br>") || "(no stage-1 mapping)"
            }`
        ),
      ]),
      ["mono", "num", "mono", ...c.policies.map(() => "mono")],
    );
  const tree = c.dom0Tree.identical
    ? `<p>Identical under ${
      c.policies.length === 1 ? "the policy" : `all ${c.policies.length} policies`
    }: in Xen 4.17 the policy changes only stage-2 attributes, not the tree dom0 receives.</p>`
    : c.dom0Tree.diffs.map((d) =>
      `<h3>${esc(d.policy)} vs ${esc(d.against)}</h3><pre>${esc(d.diff)}</pre>`
    ).join("\n");
  const summary = `<section id="summary">
<h2>Outcome</h2>${outcome}
${c.runs.some((r) => r.summary.policy.proposed) ? '<p class="note">* proposed, not in Xen</p>' : ""}
<h2>Faults</h2>${
    faultRows.length === 0
      ? "<p>No faults under any policy.</p>"
      : table(["policy", "where", "dom0 saw (ESR_EL1)", "architecture", "why"], faultRows, [
        "mono",
        "mono",
        "mono",
        "mono",
        "",
      ])
  }
<h2>Cost per device (cycles; ratio to the cheapest policy)</h2>${cost}
<h2>Memory map: ranges that differ</h2>${map}
<h2>dom0 device tree</h2>${tree}
</section>`;
  const sections = c.runs.map((r) =>
    `<section id="p-${esc(r.policy)}" data-policy="${esc(r.policy)}">
<h2 style="font-size:19px">Policy ${esc(r.policy)}${
      r.summary.policy.proposed ? " (proposed, not in Xen)" : ""
    }: ${outcomeText(r.summary)}</h2>
<p class="note">${esc(r.summary.policy.summary)}</p>
${runSection(r.run, r.summary, `p-${r.policy}`)}
</section>`
  ).join("\n");
  const header = `<h1>dom0sim compare: ${esc(c.board)}</h1>
<div class="meta">workload <b>${esc(c.workload)}</b> · policies ${
    c.policies.map((p) => `<a href="#p-${esc(p)}">${esc(p)}</a>`).join(", ")
  }</div>`;
  return page(`dom0sim compare: ${c.board} (${c.workload})`, header, summary + "\n" + sections);
}
