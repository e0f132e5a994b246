/**
 * The stylesheet of the HTML report (inlined into the page; system fonts only, no network).
 * Effective memory types have one colour each, strictest (Device-nGnRnE) darkest red to most
 * relaxed (Normal-WB) dark blue, so Device and Normal memory read apart at a glance.
 *
 * @module
 */

/** Fill colour per memory-type class (also used for the legend). */
export const MEM_TYPE_COLORS: Record<string, string> = {
  "mt-device-ngnrne": "#8e0b1f",
  "mt-device-ngnre": "#d6604d",
  "mt-device-ngre": "#f4a582",
  "mt-device-gre": "#fbd3bd",
  "mt-normal-nc": "#a6d0e6",
  "mt-normal-wt": "#4f9bcb",
  "mt-normal-wb": "#1f5a9e",
};

/** The report's CSS. */
export function reportCss(): string {
  const types = Object.entries(MEM_TYPE_COLORS).map(([c, col]) =>
    `.${c}{fill:${col}}.swatch.${c}{background:${col}}path.link.${c}{fill:${col}}`
  ).join("\n");
  return `
:root{--fg:#1d232a;--muted:#5b6673;--line:#d5dbe1;--bg:#fff;--panel:#f6f8fa;--bad:#b3261e;--ok:#1b7f3b}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:18px 28px;border-bottom:1px solid var(--line);background:var(--panel)}
header h1{margin:0 0 4px;font-size:20px}
header .meta{color:var(--muted)}
main{padding:8px 28px 40px;max-width:1500px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
code,pre,.mono,td.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:12.5px}
pre{background:var(--panel);border:1px solid var(--line);padding:10px;overflow:auto;max-height:520px}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
th{background:var(--panel);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.hl td{background:#fff4c2}
.outcome-ok{color:var(--ok);font-weight:600}
.outcome-bad{color:var(--bad);font-weight:600}
.verified{color:var(--ok)}
.unverified{color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0 8px;color:var(--muted);font-size:12.5px}
.legend span{display:inline-flex;align-items:center;gap:4px}
.swatch{display:inline-block;width:14px;height:14px;border:1px solid #0003}
.swatch.trapped{background:repeating-linear-gradient(45deg,#e4e7eb 0 4px,#9aa4ae 4px 6px)}
.swatch.s2-only{background:#1f5a9e;opacity:.45}
.mapbox{overflow:auto;border:1px solid var(--line);background:#fff;padding:6px}
svg.memmap{font:11px ui-monospace,Menlo,Consolas,monospace;display:block}
svg.memmap .col-title{text-anchor:middle;font:600 12px system-ui,sans-serif;fill:var(--fg)}
svg.memmap rect.region,svg.memmap rect.region-pa{stroke:#fff;stroke-width:1;cursor:pointer}
svg.memmap rect.s2-only{fill-opacity:.45}
svg.memmap rect.trapped{stroke:#6b7580;stroke-dasharray:3 2}
svg.memmap .hatch-bg{fill:#e4e7eb}
svg.memmap .hatch-line{stroke:#9aa4ae;stroke-width:3}
svg.memmap rect.gap{fill:#f3f4f6}
svg.memmap .gap-label{text-anchor:middle;fill:#8a939c;font-size:10px}
svg.memmap .region-label{fill:#1d232a;pointer-events:none}
svg.memmap .region-label.on-dark{fill:#fff}
svg.memmap .addr{fill:var(--muted);font-size:10.5px}
svg.memmap .addr-ipa{text-anchor:end}
svg.memmap path.link{fill-opacity:.22;stroke:none}
svg.memmap path.link.remapped{fill-opacity:.45;stroke:#333;stroke-dasharray:4 2;stroke-width:.6}
svg.memmap .fault-marker line{stroke:#b3261e;stroke-width:2}
svg.memmap .fault-marker path{fill:#b3261e}
svg.memmap .fault-marker text{fill:#b3261e;font-weight:700}
svg.memmap .hl{stroke:#111;stroke-width:2.5}
details>summary{cursor:pointer;font-weight:600;margin:6px 0}
.note{color:var(--muted)}
${types}
`;
}
