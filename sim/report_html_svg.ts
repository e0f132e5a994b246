/**
 * The SVG memory map of the HTML report: a domain's regions in two columns, IPA on the left and
 * PA on the right, joined by a band per mapping; each region coloured by its effective memory
 * type (CSS classes `mt-device-ngnre`, `mt-normal-wb`, ...), with the p2m type and the rule on
 * hover (`<title>`), regions Xen traps drawn hatched, and faults marked at their address.
 *
 * Address spaces span 40+ bits, so the axis is piecewise: every stretch of addresses between two
 * region boundaries gets a height that grows with the logarithm of its length, and stretches no
 * region covers collapse into short "gap" bands labelled with their size. Addresses map to y
 * monotonically, so a fault marker sits inside the region that holds its address.
 *
 * @module
 */

import { humanSize } from "./text_table.ts";

/** One region to draw. */
export interface SvgRegion {
  /** First IPA. */
  ipa: number;
  /** First PA, or null when the region is not mapped (trapped). */
  pa: number | null;
  /** Size. */
  size: number;
  /** Label (node path). */
  node: string;
  /** The effective memory type that picks the colour (`Device-nGnRE`, `Normal-WB`, ...). */
  type: string;
  /** True when no stage-1 mapping exists and the colour shows the stage-2 type only. */
  stage2Only: boolean;
  /** True for regions Xen traps (not mapped at stage 2). */
  trapped: boolean;
  /** Tooltip lines (p2m type, rule, stage-1 mappings...). */
  tooltip: string[];
  /** Index of the matching memory-map table row (for the page's cross-highlighting). */
  row: number;
}

/** A fault to mark. */
export interface SvgFault {
  /** The faulting IPA. */
  address: number;
  /** Tooltip. */
  label: string;
  /** Fault number as in the report's fault table. */
  index: number;
}

/** The CSS class of an effective memory type: `Device-nGnRE` → `mt-device-ngnre`. */
export function memTypeClass(type: string): string {
  return "mt-" + type.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/-+$/, "");
}

/** Escape text for HTML/SVG content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

function hex(v: number): string {
  return "0x" + v.toString(16);
}

/**
 * A short label for a region whose `node` may list several nodes: the outermost one (fewest
 * path components, reserved-memory last), by its last path component.
 */
export function labelOf(node: string): string {
  const all = node.split(", ");
  const depth = (p: string) => p.split("/").length + (p.startsWith("/reserved-memory/") ? 100 : 0);
  const best = all.reduce((a, b) => (depth(b) < depth(a) ? b : a));
  return best.split("/").pop() || best;
}

/** A piecewise-linear address axis. */
interface Axis {
  /** Breakpoints (sorted addresses). */
  pts: number[];
  /** y of each breakpoint. */
  ys: number[];
  /** Gap pieces (for labels). */
  gaps: { y0: number; y1: number; size: number }[];
  /** Total height. */
  height: number;
}

const GAP_H = 16;

/** Height of a covered stretch of `len` bytes. */
function pieceHeight(len: number): number {
  const h = 12 + 7 * Math.log2(len / 4096 + 1);
  return Math.max(12, Math.min(110, h));
}

function buildAxis(intervals: [number, number][], top: number): Axis {
  const set = new Set<number>();
  for (const [a, b] of intervals) {
    set.add(a);
    set.add(b);
  }
  const pts = [...set].sort((a, b) => a - b);
  const ys: number[] = [top];
  const gaps: Axis["gaps"] = [];
  let y = top;
  for (let i = 0; i + 1 < pts.length; i++) {
    const lo = pts[i], hi = pts[i + 1];
    const covered = intervals.some(([a, b]) => a <= lo && hi <= b);
    const h = covered ? pieceHeight(hi - lo) : GAP_H;
    if (!covered) gaps.push({ y0: y, y1: y + h, size: hi - lo });
    y += h;
    ys.push(y);
  }
  return { pts, ys, gaps, height: y };
}

/** y of an address on an axis (linear inside a piece). */
function yOf(ax: Axis, addr: number): number {
  const { pts, ys } = ax;
  if (pts.length === 0) return 0;
  if (addr <= pts[0]) return ys[0];
  for (let i = 0; i + 1 < pts.length; i++) {
    if (addr < pts[i + 1]) {
      return ys[i] + (ys[i + 1] - ys[i]) * (addr - pts[i]) / (pts[i + 1] - pts[i]);
    }
  }
  return ys[ys.length - 1];
}

/** The legend's entries, strictest first. */
export const LEGEND_TYPES = [
  "Device-nGnRnE",
  "Device-nGnRE",
  "Device-nGRE",
  "Device-GRE",
  "Normal-NC",
  "Normal-WT",
  "Normal-WB",
];

/** Render a domain's memory map as an SVG element. */
export function renderMemorySvg(
  regions: SvgRegion[],
  faults: SvgFault[],
  opts: { title: string; id: string },
): string {
  const TOP = 34, COL_W = 250, LABEL_W = 132, LINK_W = 120;
  const xIpa = LABEL_W, xPa = LABEL_W + COL_W + LINK_W;
  const width = xPa + COL_W + LABEL_W;
  const ipaAxis = buildAxis(regions.map((r) => [r.ipa, r.ipa + r.size]), TOP);
  const mapped = regions.filter((r) => r.pa !== null);
  const paAxis = buildAxis(mapped.map((r) => [r.pa!, r.pa! + r.size]), TOP);
  const height = Math.max(ipaAxis.height, paAxis.height) + 24;
  const o: string[] = [];
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="memmap" id="${
      esc(opts.id)
    }" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${
      esc(opts.title)
    }">`,
  );
  o.push(
    `<defs><pattern id="${
      esc(opts.id)
    }-hatch" class="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" class="hatch-bg"/><line x1="0" y1="0" x2="0" y2="8" class="hatch-line"/></pattern>` +
      `<clipPath id="${
        esc(opts.id)
      }-clip-ipa"><rect x="${xIpa}" y="0" width="${COL_W}" height="${height}"/></clipPath>` +
      `<clipPath id="${
        esc(opts.id)
      }-clip-pa"><rect x="${xPa}" y="0" width="${COL_W}" height="${height}"/></clipPath></defs>`,
  );
  o.push(
    `<text class="col-title" x="${xIpa + COL_W / 2}" y="18">IPA (what dom0 addresses)</text>`,
    `<text class="col-title" x="${xPa + COL_W / 2}" y="18">PA (the bus)</text>`,
  );
  // Links first, so the columns draw over them.
  o.push(`<g class="links">`);
  for (const r of mapped) {
    const a0 = yOf(ipaAxis, r.ipa), a1 = yOf(ipaAxis, r.ipa + r.size);
    const b0 = yOf(paAxis, r.pa!), b1 = yOf(paAxis, r.pa! + r.size);
    const x0 = xIpa + COL_W, x1 = xPa, xm = (x0 + x1) / 2;
    o.push(
      `<path class="link ${memTypeClass(r.type)}${
        r.ipa !== r.pa ? " remapped" : ""
      }" data-row="${r.row}" d="M${x0},${a0.toFixed(1)} C${xm},${a0.toFixed(1)} ${xm},${
        b0.toFixed(1)
      } ${x1},${b0.toFixed(1)} L${x1},${b1.toFixed(1)} C${xm},${b1.toFixed(1)} ${xm},${
        a1.toFixed(1)
      } ${x0},${a1.toFixed(1)} Z"/>`,
    );
  }
  o.push(`</g>`);
  const column = (
    kind: "ipa" | "pa",
    ax: Axis,
    x: number,
    list: SvgRegion[],
    at: (r: SvgRegion) => number,
  ) => {
    o.push(`<g class="column col-${kind}">`);
    for (const g of ax.gaps) {
      o.push(
        `<rect class="gap" x="${x}" y="${g.y0.toFixed(1)}" width="${COL_W}" height="${
          (g.y1 - g.y0).toFixed(1)
        }"/><text class="gap-label" x="${x + COL_W / 2}" y="${
          ((g.y0 + g.y1) / 2 + 4).toFixed(1)
        }">⋯ ${humanSize(g.size)} gap ⋯</text>`,
      );
    }
    const texts: string[] = [];
    for (const r of list) {
      const start = at(r);
      const y0 = yOf(ax, start), y1 = yOf(ax, start + r.size);
      const cls = [
        kind === "ipa" ? "region" : "region-pa",
        memTypeClass(r.type),
        r.trapped ? "trapped" : "",
        r.stage2Only ? "s2-only" : "",
      ].filter((c) => c).join(" ");
      const fill = r.trapped ? ` fill="url(#${esc(opts.id)}-hatch)"` : "";
      o.push(
        `<rect class="${cls}"${fill} x="${x}" y="${y0.toFixed(1)}" width="${COL_W}" height="${
          Math.max(1, y1 - y0).toFixed(1)
        }" data-row="${r.row}" data-ipa="${hex(r.ipa)}" data-pa="${
          r.pa === null ? "" : hex(r.pa)
        }" data-size="${hex(r.size)}" data-node="${esc(r.node)}" data-type="${
          esc(r.type)
        }"><title>${esc(r.tooltip.join("\n"))}</title></rect>`,
      );
      if (y1 - y0 >= 11) {
        const name = labelOf(r.node);
        texts.push(
          `<text class="region-label${
            r.type.startsWith("Normal-WB") || r.type === "Device-nGnRnE" ? " on-dark" : ""
          }" x="${x + 6}" y="${((y0 + y1) / 2 + 4).toFixed(1)}">${esc(name)} · ${
            esc(humanSize(r.size))
          }</text>`,
        );
      }
    }
    o.push(`<g clip-path="url(#${esc(opts.id)}-clip-${kind})">${texts.join("")}</g>`);
    // Address labels at region boundaries, skipping ones that would collide.
    const marks = new Map<number, number>();
    for (const r of list) {
      const s = at(r);
      marks.set(s, yOf(ax, s));
      marks.set(s + r.size, yOf(ax, s + r.size));
    }
    let lastY = -100;
    const lx = kind === "ipa" ? x - 6 : x + COL_W + 6;
    for (const [addr, y] of [...marks].sort((a, b) => a[0] - b[0])) {
      if (y - lastY < 11) continue;
      lastY = y;
      o.push(
        `<text class="addr addr-${kind}" x="${lx}" y="${(y + 4).toFixed(1)}">${hex(addr)}</text>`,
      );
    }
    o.push(`</g>`);
  };
  column("ipa", ipaAxis, xIpa, regions, (r) => r.ipa);
  column("pa", paAxis, xPa, mapped, (r) => r.pa!);
  for (const f of faults) {
    const y = yOf(ipaAxis, f.address);
    o.push(
      `<g class="fault-marker" data-address="${hex(f.address)}" data-y="${
        y.toFixed(1)
      }" data-fault="${f.index}" transform="translate(${xIpa},${y.toFixed(1)})">` +
        `<line x1="0" y1="0" x2="${COL_W}" y2="0"/><path d="M-14,-7 L0,0 L-14,7 Z"/>` +
        `<text x="${COL_W + 4}" y="4">fault ${f.index}</text><title>${esc(f.label)}</title></g>`,
    );
  }
  o.push(`</svg>`);
  return o.join("\n");
}
