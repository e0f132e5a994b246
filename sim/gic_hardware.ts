/**
 * What a board's GIC hardware must report, derived from its tree (the registers are not in the
 * DT, but the tree bounds them).
 *
 * Lines: how many interrupt lines a board's GIC must have: the highest SPI any node wires to it (its
 * `interrupts`, `interrupts-extended`, or a nexus's `interrupt-map`), as an interrupt ID + 1. A
 * GIC that reports fewer lines than its board uses does not exist, so the machine sizes its GIC
 * model (`GICD_TYPER.ITLinesNumber`) to cover them; Xen sizes dom0's vGIC from that value
 * (`vgic_init`: `nr_spis = gic_number_lines() - 32`), so dom0 can be given every SPI the tree
 * names, as on the real board. SPIs of GICv2m frames count too.
 *
 * GICv2m frames: `MSI_TYPER` (base SPI and count) is hardware, read by Xen and Linux unless the
 * frame's `arm,msi-base-spi`/`arm,msi-num-spis` override it. dom0sim gives frames without the
 * override disjoint windows of 64 SPIs each (or the largest power of two that lets every frame
 * fit below SPI 1020, `V2M_MAX_SPI`), starting at interrupt ID 80 — QEMU virt's single frame
 * reads base 80, 64 SPIs (the recorded runs) — or above every interrupt the tree wires to the
 * GIC, whichever is higher. On real hardware frames share no SPI with each other or with a
 * wired device (Xen sets MSI SPIs edge-rising and routes each once, so overlapping windows
 * would make it panic on a board that works).
 *
 * @module
 */

import { deviceRawIrqs, gicIrqXlate, irqMapEntries } from "../dt/interrupts.ts";
import type { DeviceTree, Node } from "../dt/tree.ts";

/** GICv2m `MSI_TYPER` offset and fields (Linux/Xen `V2M_MSI_TYPER`, `BASE_SPI` 25:16, 9:0). */
const V2M_MSI_TYPER = 0x8;
/** First SPI dom0sim gives frames without a DT override (QEMU virt's frame). */
const V2M_FIRST_SPI = 80;
/** Xen's `V2M_MAX_SPI` + 1. */
const V2M_SPI_LIMIT = 1020;

/** The hardware values {@link gicHardware} derives. */
export interface GicHardware {
  /** Per interrupt controller: the lines its distributor must report (interrupt ID + 1). */
  lines: Map<Node, number>;
  /** Per GICv2m frame node: fixed register values (word offset → value), e.g. `MSI_TYPER`. */
  registers: Map<Node, Record<number, number>>;
}

/** Derive the GIC lines and GICv2m `MSI_TYPER` values a board's tree implies. */
export function gicHardware(tree: DeviceTree): GicHardware {
  const lines = interruptLines(tree);
  const registers = new Map<Node, Record<number, number>>();
  const u32 = (n: Node, name: string) => {
    const p = n.prop(name);
    return p && p.length === 4 ? p.u32() : undefined;
  };
  for (const gic of tree.root.walk()) {
    const frames = gic.children.filter((c) => c.isCompatible("arm,gic-v2m-frame"));
    if (frames.length === 0) continue;
    const fixed = frames.filter((f) =>
      u32(f, "arm,msi-base-spi") !== undefined && u32(f, "arm,msi-num-spis") !== undefined
    );
    const free = frames.length - fixed.length;
    const wired = lines.get(gic) ?? 0;
    let next = Math.max(V2M_FIRST_SPI, Math.ceil(wired / 32) * 32);
    for (const f of fixed) {
      next = Math.max(next, u32(f, "arm,msi-base-spi")! + u32(f, "arm,msi-num-spis")!);
    }
    let width = 64;
    while (width > 1 && next + free * width > V2M_SPI_LIMIT) width >>= 1;
    let top = 0;
    for (const f of frames) {
      let base = u32(f, "arm,msi-base-spi");
      let num = u32(f, "arm,msi-num-spis");
      if (base === undefined || num === undefined) {
        base = next;
        num = next + width <= V2M_SPI_LIMIT ? width : 0;
        next += width;
      }
      registers.set(f, { [V2M_MSI_TYPER]: (((base & 0x3ff) << 16) | (num & 0x3ff)) >>> 0 });
      top = Math.max(top, base + num);
    }
    if (top > 0) lines.set(gic, Math.min(V2M_SPI_LIMIT, Math.max(lines.get(gic) ?? 0, top)));
  }
  return { lines, registers };
}

/** The highest interrupt ID + 1 wired to each interrupt controller (SPIs only, below 1020). */
export function interruptLines(tree: DeviceTree): Map<Node, number> {
  const out = new Map<Node, number>();
  const note = (ctl: Node, spec: readonly number[]) => {
    if (spec.length < 3 || spec[0] !== 0) return;
    const g = gicIrqXlate(spec, "linux");
    if (!g.ok || g.irq >= 1020) return;
    if ((out.get(ctl) ?? 0) < g.irq + 1) out.set(ctl, g.irq + 1);
  };
  let gics: Node[] | null = null;
  for (const n of tree.root.walk()) {
    if (n.has("interrupts") || n.has("interrupts-extended")) {
      try {
        // Xen's count (cells / #interrupt-cells): Linux's resolves indices until one fails,
        // which never ends under a parent with #interrupt-cells = 0.
        for (const r of deviceRawIrqs(n, { flavor: "xen", strict: false })) {
          if (r.ok) note(r.irq.controller, r.irq.specifier);
        }
      } catch {
        // Malformed interrupt properties: the boot reports them where they matter.
      }
    }
    if (n.has("interrupt-map")) {
      gics ??= controllersOf(tree);
      for (const ctl of gics) {
        try {
          const m = irqMapEntries(n, ctl, { flavor: "linux", strict: false });
          if (Array.isArray(m)) { for (const r of m) note(r.controller, r.specifier); }
        } catch {
          // As above.
        }
      }
    }
  }
  return out;
}

/** Interrupt controllers with three-cell specifiers (the GICs a nexus may point at). */
function controllersOf(tree: DeviceTree): Node[] {
  const out: Node[] = [];
  for (const c of tree.root.walk()) {
    if (
      c.has("interrupt-controller") && c.prop("#interrupt-cells")?.length === 4 &&
      c.prop("#interrupt-cells")!.u32() === 3
    ) out.push(c);
  }
  return out;
}
