/**
 * Lint rules that need the Xen model: what Xen keeps (`xen-keeps`), what it hides for PPIs
 * (`ppi-hidden`), what dom0's stage-2 mappings expose around sub-page regions (`subpage-mmio`,
 * from Xen's p2m records), and whether a memory-like node is Device memory for a driver that
 * uses plain memcpy/memset (`sram-device-memory`, `sram-pool-device`, from booted runs).
 *
 * @module
 */

import { deviceAddresses } from "../dt/address.ts";
import type { Node } from "../dt/tree.ts";
import type { Scenario } from "../dom0/workload.ts";
import { findPolicy } from "../hyp/policy.ts";
import type { BootRun } from "./boot.ts";
import { type AddressMap, type MapRegion, related } from "./lint_address.ts";
import { type Finding, hexAddr } from "./lint_finding.ts";
import type { Severity } from "./lint_rules.ts";
import type { BootSummary } from "./summary.ts";

const PAGE = 4096n;

/** Who owns a region, from Xen's point of view. */
type Owner = "xen" | "passthrough" | "hidden" | "dom0";

/** A description of what Xen does with a node (for messages). */
interface Ownership {
  owner: Owner;
  what: string;
}

/** The paths Xen keeps, with a description. */
function xenKept(run: BootRun): Map<string, string> {
  const kept = new Map<string, string>();
  const host = run.xen.core.host;
  if (host.uart) kept.set(host.uart.node.path, `Xen's console UART (${host.uart.driver})`);
  for (const n of host.iommus) kept.set(n.path, "an IOMMU Xen drives");
  for (const o of run.xen.build.nodes) {
    if (o.action !== "skipped" || kept.has(o.path)) continue;
    if (o.reason.startsWith("used by Xen")) kept.set(o.path, "a device Xen uses");
    else if (o.reason.startsWith("IOMMU")) kept.set(o.path, "an IOMMU Xen drives");
  }
  return kept;
}

/** Ownership of every region of the address map. */
function ownership(run: BootRun, map: AddressMap): Map<MapRegion, Ownership> {
  const kept = xenKept(run);
  const outcomes = new Map(run.xen.build.nodes.map((o) => [o.path, o]));
  const gic = run.xen.core.host.gic;
  const out = new Map<MapRegion, Ownership>();
  for (const r of map.regions) {
    if (r.kind !== "device") continue;
    let o: Ownership = { owner: "dom0", what: "a dom0 device" };
    const k = kept.get(r.path);
    if (k) o = { owner: "xen", what: k };
    else if (r.path === gic.node.path) {
      // GICv2: dom0 sees GICV (reg 3) at GICC's address; GICD is trapped; GICC and GICH stay
      // with Xen. GICv3: all of it is Xen's (GICD and GICR are trapped).
      o = gic.version === 2 && r.index === 3
        ? { owner: "dom0", what: "the GIC's virtual CPU interface (dom0 sees it at GICC)" }
        : { owner: "xen", what: `the GIC's ${gicPart(gic.version, r.index)}, which Xen keeps` };
    } else if (r.node.has("xen,passthrough")) {
      o = { owner: "passthrough", what: "a device marked xen,passthrough (for a domU)" };
    } else {
      // A node inside a skipped subtree is hidden too.
      let p: string | null = r.path;
      while (p) {
        const oc = outcomes.get(p);
        if (oc && oc.action === "skipped") {
          o = { owner: "hidden", what: `a device Xen hides from dom0 (${oc.reason})` };
          break;
        }
        p = p === "/" ? null : p.slice(0, p.lastIndexOf("/")) || "/";
      }
    }
    out.set(r, o);
  }
  return out;
}

function gicPart(version: number, index: number): string {
  if (version === 2) {
    return ["distributor (GICD)", "CPU interface (GICC)", "hypervisor interface (GICH)"][index] ??
      `reg ${index}`;
  }
  return index === 0 ? "distributor (GICD)" : `reg ${index} (redistributors or legacy interfaces)`;
}

/** The node whose dom0 stage-2 mapping covers part of `path`'s registers, if any. */
function exposedBy(run: BootRun, path: string): string | null {
  const node = run.hostTree.lookup(path);
  if (!node) return null;
  for (const r of deviceAddresses(node, { flavor: "linux", strict: false })) {
    if (!r.ok) continue;
    const lo = Number(r.address), hi = Number(r.address + r.size);
    for (const m of run.xen.dom0.mappings) {
      if (m.removed || m.pa + m.size <= lo || hi <= m.pa) continue;
      const src = m.source.split(" (")[0];
      if (!related(src, path)) return src;
    }
  }
  return null;
}

/** `xen-keeps`: the devices Xen removes from dom0's tree because it drives them. */
export function keptFindings(run: BootRun): Finding[] {
  const out: Finding[] = [];
  const host = run.xen.core.host;
  const tree = run.hostTree;
  for (const [path, what] of xenKept(run)) {
    const node = tree.lookup(path);
    const isUart = host.uart?.node.path === path;
    if (isUart) {
      const stdout = tree.root.child("chosen")?.prop("stdout-path")?.str();
      const exposer = exposedBy(run, path);
      out.push({
        rule: "xen-keeps",
        severity: "info",
        node: path,
        message: `Xen keeps ${path} as its console UART: it is not in dom0's tree`,
        why: `dom0's console is hvc0 (Xen's PV console) instead${
          stdout ? `; Xen also drops /chosen/stdout-path ("${stdout}") from dom0's tree` : ""
        }${
          exposer
            ? `; but dom0's stage-2 mapping for ${exposer} covers the UART's registers (see subpage-mmio)`
            : host.uart?.vuart
            ? "; dom0's accesses to the UART's registers trap to Xen's vUART (console output only)"
            : ""
        }`,
        fix:
          "nothing to fix; to give dom0 the UART, point Xen at another console (dtuart=) or use console=none",
      });
      continue;
    }
    const ph = node?.phandle ?? 0;
    const users = ph
      ? [...tree.root.walk()].filter((n) => {
        const p = n.prop("iommus");
        return p !== undefined && p.length >= 4 && p.u32(0) === ph;
      }).map((n) => n.path)
      : [];
    const pt = users.filter((u) => tree.lookup(u)?.has("xen,passthrough"));
    const own = users.filter((u) => !pt.includes(u));
    const whyParts: string[] = [];
    if (own.length > 0) {
      whyParts.push(
        `Xen strips iommus from ${
          own.join(", ")
        } in dom0's tree and attaches them to dom0's stage-2 tables itself (iommu_assign_dt_device), so their DMA reaches only dom0's memory`,
      );
    }
    if (pt.length > 0) {
      whyParts.push(`${pt.join(", ")} (xen,passthrough) go to the domU they are assigned to`);
    }
    out.push({
      rule: "xen-keeps",
      severity: "info",
      node: path,
      related: users,
      message: `Xen keeps ${path} (${what}): it is not in dom0's tree`,
      why: whyParts.length > 0
        ? `dom0 cannot program the IOMMU; ${whyParts.join("; ")}`
        : "dom0 cannot use the device; Xen drives it",
      fix: "nothing to fix: Xen owns the device by design",
    });
  }
  return out;
}

/** `ppi-hidden`: nodes `handle_node` skipped for a PPI. */
export function ppiFindings(run: BootRun): Finding[] {
  const out: Finding[] = [];
  for (const o of run.xen.build.nodes) {
    const m = /^uses PPI (\d+)/.exec(o.reason);
    if (o.action !== "skipped" || !m) continue;
    const node = run.hostTree.lookup(o.path);
    const compat = node?.compatible()[0];
    out.push({
      rule: "ppi-hidden",
      severity: "warning",
      node: o.path,
      message: `Xen hides ${o.path}${compat ? ` (${compat})` : ""} from dom0: it uses PPI ${
        Number(m[1]) - 16
      } (INTID ${m[1]})`,
      why:
        "handle_node skips any node with a PPI on the primary GIC: the vGIC cannot route a per-CPU hardware interrupt to a guest. The node and its subtree are missing from dom0's tree, so no driver probes it",
      fix:
        "if dom0 needs the device, wire it to an SPI; otherwise nothing (dom0 simply does not see it)",
    });
  }
  return out;
}

function pageRange(r: MapRegion): [bigint, bigint] {
  return [(r.start / PAGE) * PAGE, ((r.end + PAGE - 1n) / PAGE) * PAGE];
}

function isSubPage(r: MapRegion): boolean {
  return r.start % PAGE !== 0n || r.end % PAGE !== 0n;
}

/**
 * `subpage-mmio`: pages shared by a sub-page region and another node, with what dom0's stage-2
 * mappings (Xen's records) really expose.
 */
export function subpageFindings(run: BootRun, map: AddressMap): Finding[] {
  const own = ownership(run, map);
  const devs = map.regions.filter((r) => r.kind === "device");
  const records = run.xen.dom0.mappings.filter((m) => !m.removed);
  const out: Finding[] = [];
  const pages = new Set<bigint>();
  for (const r of devs) {
    if (!isSubPage(r)) continue;
    const [a, b] = pageRange(r);
    for (let p = a; p < b; p += PAGE) {
      // Only the partial pages at either end can be shared.
      if (p === a || p + PAGE === b) pages.add(p);
    }
  }
  const exposed = new Map<
    string,
    { sev: Severity; items: string[]; related: string[]; at: bigint }
  >();
  const infoPages: { page: bigint; nodes: string[] }[] = [];
  for (const page of [...pages].sort((x, y) => (x < y ? -1 : 1))) {
    const end = page + PAGE;
    const inPage = devs.filter((r) => r.start < end && page < r.end);
    const paths = [...new Set(inPage.map((r) => r.path))];
    const unrelated = paths.filter((p) => paths.some((q) => !related(p, q)));
    if (unrelated.length < 2) continue;
    let reported = false;
    for (const r of inPage) {
      const o = own.get(r)!;
      if (o.owner === "dom0") continue;
      const lo = r.start > page ? r.start : page;
      const hi = r.end < end ? r.end : end;
      for (const m of records) {
        const ms = BigInt(m.pa), me = BigInt(m.pa + m.size);
        if (me <= lo || hi <= ms) continue;
        const src = m.source.split(" (")[0];
        if (related(src, r.path)) continue;
        const sev: Severity = o.owner === "xen" ? "error" : "warning";
        const key = src;
        const e = exposed.get(key) ?? { sev, items: [], related: [], at: lo };
        if (sev === "error") e.sev = "error";
        const item = `${r.path} (${o.what}) at ${hexAddr(lo)}-${hexAddr(hi - 1n)}`;
        if (!e.items.includes(item)) e.items.push(item);
        if (!e.related.includes(r.path)) e.related.push(r.path);
        exposed.set(key, e);
        reported = true;
      }
    }
    // Nodes that overlap each other are reg-overlap's business, not a shared page's.
    const overlapping = inPage.some((x) =>
      inPage.some((y) => !related(x.path, y.path) && x.start < y.end && y.start < x.end)
    );
    if (!reported && !overlapping) infoPages.push({ page, nodes: unrelated });
  }
  for (const [src, e] of exposed) {
    const srcRegion = devs.find((r) => r.path === src);
    out.push({
      rule: "subpage-mmio",
      severity: e.sev,
      node: src,
      related: e.related,
      address: hexAddr(e.at),
      message: `dom0's stage-2 mapping for ${src}${
        srcRegion
          ? ` (reg ${hexAddr(srcRegion.start)}, ${srcRegion.end - srcRegion.start} bytes)`
          : ""
      } covers the registers of ${e.items.join("; ")}`,
      why:
        "Xen maps MMIO in whole 4 KiB pages (map_range_to_domain rounds to pages), so dom0 can read and write every register in the page" +
        (e.sev === "error"
          ? ": here those of a device Xen keeps, which breaks Xen's isolation (dom0 can disturb or snoop it)"
          : ": here those of a device that is not dom0's"),
      fix:
        "give the devices their own 4 KiB pages in the memory map, or keep the neighbour out of dom0 (mark the sharing node xen,passthrough, or do not use the shared device as Xen's console)",
    });
  }
  for (const p of infoPages) {
    out.push({
      rule: "subpage-mmio",
      severity: "info",
      node: p.nodes[0],
      related: p.nodes.slice(1),
      address: hexAddr(p.page),
      message: `page ${hexAddr(p.page)}-${hexAddr(p.page + PAGE - 1n)} holds registers of ${
        p.nodes.join(", ")
      }`,
      why:
        "Xen maps whole 4 KiB pages, so each of these dom0 drivers can reach the others' registers; harmless while they all belong to dom0",
      fix: "nothing, unless one of them is later passed through to a domU",
    });
  }
  out.sort((a, b) => RANK_SEV[a.severity] - RANK_SEV[b.severity]);
  return out;
}

const RANK_SEV: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/**
 * Whether a compatible string names memory: `mmio-sram`, `*-sram*`, on-chip memory (`*,ocm*`,
 * `*-ocm*`, but not an OCM *controller* such as ZynqMP's `xlnx,zynqmp-ocmc-1.0`, which is a
 * register block) or shared memory (`*shmem*`, e.g. `arm,scmi-shmem`).
 */
export function memoryLikeCompatible(c: string): boolean {
  return c === "mmio-sram" || /-sram/.test(c) || /[,-]ocm(?!c)/.test(c) || /shmem/.test(c);
}

/** The memory-like nodes with `reg`, outermost only (partitions of an SRAM go with it). */
export function memoryLikeNodes(map: AddressMap): MapRegion[] {
  const firsts = map.regions.filter((r) =>
    r.kind === "device" && r.index === 0 && r.node.compatible().some(memoryLikeCompatible)
  );
  return firsts.filter((r) =>
    !firsts.some((o) => o !== r && o.path !== r.path && r.path.startsWith(o.path + "/"))
  ).sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** A workload that maps each node with the raw driver (WB) and touches it with DC CIVAC only. */
export function mapScenario(paths: string[]): Scenario {
  return {
    name: "lint-map",
    description: "dom0sim lint: map each memory-like node with the raw driver (no access faults)",
    process: "child",
    ops: paths.map((p) => ({ op: "dc-civac", target: p, via: "raw-sram", mapping: "wb" })),
  };
}

/** A workload that runs memset (or an unaligned memcpy) on a node through the raw driver. */
export function confirmScenario(path: string, size: number, kind: "memset" | "memcpy"): Scenario {
  return {
    name: `lint-${kind}`,
    description: `dom0sim lint: ${kind} through the raw driver`,
    process: "child",
    ops: [
      kind === "memset"
        ? {
          op: "memset",
          target: path,
          via: "raw-sram",
          mapping: "wb",
          length: Math.min(4096, size),
          value: 0,
        }
        : {
          op: "memcpy",
          target: path,
          via: "raw-sram",
          mapping: "wb",
          offset: 3,
          length: Math.max(1, Math.min(1000, size - 3)),
        },
    ],
  };
}

/** How a driver sees a node in a booted run: the stage-1 and effective types. */
export interface DriverView {
  /** The Linux API of the mapping. */
  api: string;
  /** Stage-1 type. */
  s1Type: string;
  /** Effective type. */
  effective: string;
  /** Which stage decided. */
  decidedBy: string;
  /** The stage-2 row. */
  p2mType: string;
  /** Stage-2 type. */
  s2Type: string;
  /** The policy rule behind the stage-2 type. */
  rule: string;
}

/** The view of `driver`'s mapping of `path` in a run, or null when it made none. */
export function driverView(
  run: BootRun,
  s: BootSummary,
  path: string,
  driver: string,
): DriverView | null {
  const m = run.dom0.mappings.find((x) => x.driver === driver && x.node === path);
  if (!m) return null;
  const row = s.memoryMap.find((r) => m.ipa >= r.ipa && m.ipa < r.ipa + r.size);
  if (!row) return null;
  const v = row.stage1.find((x) => x.driver === driver && x.api === m.api && x.device === m.device);
  if (!v) return null;
  return {
    api: v.api,
    s1Type: v.type,
    effective: v.effective,
    decidedBy: v.decidedBy,
    p2mType: row.p2mType,
    s2Type: row.s2Type,
    rule: row.rule,
  };
}

/** A one-line account of the first fault of a run (what the model observed). */
export function faultEvidence(s: BootSummary): string | null {
  const f = s.faults[0];
  if (!f) return null;
  const hex8 = (v: number) => "0x" + v.toString(16).padStart(8, "0");
  const arch = f.architectural
    ? `${f.architectural.name} (DFSC 0x${
      f.architectural.fsc.toString(16).padStart(2, "0")
    }) at stage 2, ESR_EL2 ${hex8(f.architectural.esr)}${
      f.architectural.ipa !== undefined ? `, IPA ${hexAddr(f.architectural.ipa)}` : ""
    }; Xen injected ESR ${hex8(f.esr)} into dom0 (${f.fscName})`
    : `${f.fscName} (FSC 0x${f.fsc.toString(16).padStart(2, "0")}) at stage 1, ESR ${hex8(f.esr)}`;
  return `${f.routine}: ${f.insn} at ${f.far} → ${arch}; dom0 ${f.outcome}`;
}

/** The `sram-device-memory` finding for a node found Device under `policy`. */
export function sramDeviceFinding(
  region: MapRegion,
  policy: string,
  view: DriverView,
  evidence: string | null,
): Finding {
  const p = findPolicy(policy);
  const s2Device = view.s2Type.startsWith("Device");
  const fixes: string[] = [
    "use memcpy_toio()/memcpy_fromio()/memset_io() in the driver (aligned 1- and 8-byte accesses, no DC ZVA: clean under every policy)",
  ];
  if (s2Device) {
    if (p?.sram === "nc-unless-no-memory-wc" && region.node.has("no-memory-wc")) {
      fixes.push(
        "remove no-memory-wc (Xen 4.8.0 then maps the node Normal-NC at stage 2, and memset/memcpy work)",
      );
    }
    fixes.push(
      "run a Xen that maps dom0's MMIO p2m_mmio_direct_c so dom0's stage 1 decides (Xen ≥ 4.8.1; --policy xen-4.17)",
    );
  } else {
    fixes.push("map the region Normal at stage 1 (memremap(MEMREMAP_WB) or ioremap_wc)");
  }
  return {
    rule: "sram-device-memory",
    severity: "error",
    node: region.path,
    policy,
    address: hexAddr(region.start),
    message:
      `under ${policy}, ${region.path} is ${view.effective} for a driver that maps it with ${view.api} (stage 1 ${view.s1Type} × stage 2 ${view.s2Type} from ${view.p2mType}; decided by ${view.decidedBy})`,
    why:
      "memset zeroes with DC ZVA and memcpy issues unaligned LDP/STP; on any Device type both take an alignment fault (DFSC 0x21)" +
      (s2Device
        ? ". The Device type comes from stage 2, so the fault goes to Xen, which cannot handle it and injects an abort dom0 cannot explain"
        : "") +
      ` (stage-2 rule: ${view.rule})`,
    fix: fixes.join("; or "),
    evidence: evidence ?? undefined,
  };
}

/** The `sram-pool-device` finding, when the Linux sram driver maps a pooled SRAM as Device. */
export function sramPoolFinding(region: MapRegion, view: DriverView, tree: Node): Finding | null {
  if (!view.s1Type.startsWith("Device") || !view.effective.startsWith("Device")) return null;
  const n = region.node;
  const pools = n.children.filter((c) => c.has("pool")).map((c) => c.path);
  const phandles = new Set(
    [n, ...n.children].map((c) => c.phandle).filter((p) => p !== 0),
  );
  const users = [...tree.walk()].filter((x) => {
    const p = x.prop("sram");
    if (!p || p.length < 4) return false;
    for (let i = 0; i + 4 <= p.length; i += 4) if (phandles.has(p.u32(i))) return true;
    return false;
  }).map((x) => x.path);
  if (pools.length === 0 && users.length === 0) return null;
  return {
    rule: "sram-pool-device",
    severity: "warning",
    node: region.path,
    related: [...pools, ...users],
    address: hexAddr(region.start),
    message:
      `the Linux sram driver maps ${region.path} with ${view.api} (${view.s1Type}) because of no-memory-wc, and hands that memory out through its pool${
        pools.length ? `s (${pools.join(", ")})` : ""
      }${users.length ? `; users: ${users.join(", ")}` : ""}`,
    why:
      "gen_pool_alloc() returns addresses inside the driver's Device mapping: a pool user that calls memcpy/memset (not the _io variants) takes an alignment fault under every Xen policy",
    fix:
      "remove no-memory-wc if the SRAM accepts write-combining (the driver then uses ioremap_wc, Normal-NC), or make every pool user use memcpy_toio/memset_io",
  };
}
