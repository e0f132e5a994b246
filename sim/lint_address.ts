/**
 * The board's address map as the lints see it (every `reg` translated through the parents'
 * `ranges` with Linux's rules) and the rules that need nothing but the tree: `reg` outside the
 * parent's `ranges`, `reg` on a bus without `ranges`, overlaps between nodes, RAM and
 * reserved-memory, regions above the IPA size, and `xen,passthrough` without `iommus`.
 *
 * @module
 */

import {
  busRanges,
  childSizeCells,
  deviceAddresses,
  getAddress,
  readNumber,
} from "../dt/address.ts";
import type { DeviceTree, Node } from "../dt/tree.ts";
import { type Finding, hexAddr } from "./lint_finding.ts";

/** What a region is. */
export type RegionKind = "device" | "ram" | "reserved";

/** One translated `reg` entry. */
export interface MapRegion {
  /** The node. */
  node: Node;
  /** Its path. */
  path: string;
  /** Index of the `reg` entry. */
  index: number;
  /** First CPU physical address. */
  start: bigint;
  /** One past the last. */
  end: bigint;
  /** Device, RAM (a memory node) or a `/reserved-memory` child. */
  kind: RegionKind;
  /** For reserved regions: `no-map`. */
  noMap: boolean;
}

/** Subtrees that describe no bus addresses. */
const NON_BUS = new Set(["/chosen", "/cpus", "/aliases", "/__symbols__", "/__fixups__"]);

function isMemoryNode(n: Node): boolean {
  return n.prop("device_type")?.str() === "memory";
}

/** Whether `a` is `b` or an ancestor of `b` (paths). */
export function isAncestorOrSelf(a: string, b: string): boolean {
  return a === b || (a === "/" ? b.startsWith("/") : b.startsWith(a + "/"));
}

/** Whether one path is an ancestor of the other, or they are the same node. */
export function related(a: string, b: string): boolean {
  return isAncestorOrSelf(a, b) || isAncestorOrSelf(b, a);
}

/** The address map plus the static findings found while building it. */
export interface AddressMap {
  /** Every translated region, sorted by start. */
  regions: MapRegion[];
  /** Findings (`reg-outside-ranges`, `reg-untranslatable`). */
  findings: Finding[];
}

/** The end of the `ranges` window of `parent` that contains bus address `addr`, if any. */
function windowEnd(parent: Node, addr: bigint): bigint | null {
  const rs = busRanges(parent, { flavor: "linux", strict: false });
  if ("ok" in rs) return null;
  for (const r of rs) {
    const base = readNumber(r.childCells, 0, r.childCells.length);
    if (addr >= base && addr < base + r.size) return base + r.size;
  }
  return null;
}

/** Build the address map of a tree (Linux's translation rules, lenient cell checks). */
export function addressMap(tree: DeviceTree): AddressMap {
  const regions: MapRegion[] = [];
  const findings: Finding[] = [];
  const visit = (n: Node) => {
    if (n.parent && NON_BUS.has(n.path)) return;
    if (n.parent && n.has("reg") && childSizeCells(n.parent, { strict: false }) > 0) {
      collect(n);
    }
    for (const c of n.children) visit(c);
  };
  const collect = (n: Node) => {
    const parent = n.parent!;
    const kind: RegionKind = isMemoryNode(n)
      ? "ram"
      : parent.path === "/reserved-memory"
      ? "reserved"
      : "device";
    const noMap = n.has("no-map");
    let i = 0;
    for (const r of deviceAddresses(n, { flavor: "linux", strict: false })) {
      if (r.ok) {
        if (r.size > 0n) {
          regions.push({
            node: n,
            path: n.path,
            index: i,
            start: r.address,
            end: r.address + r.size,
            kind,
            noMap,
          });
        }
        // The start translated; check that the whole entry fits the parent's window.
        const e = getAddress(n, i, { flavor: "linux", strict: false });
        if (!("ok" in e) && parent.parent && parent.prop("ranges")?.length) {
          const end = windowEnd(parent, e.address);
          if (end !== null && e.address + e.size > end) {
            findings.push({
              rule: "reg-outside-ranges",
              severity: "error",
              node: n.path,
              address: hexAddr(r.address),
              message: `reg entry ${i} (bus address ${hexAddr(e.address)}, size ${
                hexAddr(e.size)
              }) runs past the end of ${parent.path}'s ranges window (ends at bus address ${
                hexAddr(end)
              })`,
              why:
                "The tail of the region has no CPU address: Linux and Xen translate only the start, so the device is described larger than the bus that reaches it",
              fix: `shrink the reg entry or widen the ranges entry of ${parent.path} to cover it`,
            });
          }
        }
      } else if (r.reason === "no-matching-range") {
        const e = getAddress(n, i, { flavor: "linux", strict: false });
        findings.push({
          rule: "reg-outside-ranges",
          severity: "error",
          node: n.path,
          address: "ok" in e ? undefined : hexAddr(e.address),
          related: [r.at],
          message: `reg entry ${i}${
            "ok" in e ? "" : ` (bus address ${hexAddr(e.address)})`
          } is not covered by any ranges entry of ${r.at}`,
          why:
            "Xen cannot translate it (dt_device_get_address fails, handle_device prints 'Unable to retrieve address' and dom0 is not built); Linux drops the resource",
          fix: `add a ranges entry to ${r.at} that covers the address, or correct the reg`,
        });
      } else if (r.reason === "no-ranges" && r.at === parent.path) {
        findings.push({
          rule: "reg-untranslatable",
          severity: "info",
          node: n.path,
          message: `reg is an address on ${parent.path}, which has no ranges`,
          why:
            "Not a CPU address: Xen and Linux do not map it (fine for local-bus addresses such as flash partitions)",
          fix: `if the node is memory-mapped, give ${parent.path} a ranges property`,
        });
      }
      i++;
    }
  };
  visit(tree.root);
  regions.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return { regions, findings };
}

/** `[start, end)` minus a list of intervals. */
function subtract(
  start: bigint,
  end: bigint,
  holes: { start: bigint; end: bigint }[],
): { start: bigint; end: bigint }[] {
  let pieces = [{ start, end }];
  for (const h of holes) {
    const next: { start: bigint; end: bigint }[] = [];
    for (const p of pieces) {
      if (h.end <= p.start || h.start >= p.end) {
        next.push(p);
        continue;
      }
      if (h.start > p.start) next.push({ start: p.start, end: h.start });
      if (h.end < p.end) next.push({ start: h.end, end: p.end });
    }
    pieces = next;
  }
  return pieces;
}

function range(a: bigint, b: bigint): string {
  return `${hexAddr(a)}-${hexAddr(b - 1n)}`;
}

/** A node whose `reg` is a window over other devices' registers rather than one device's. */
function isContainer(n: Node): boolean {
  const c = n.compatible();
  return n.has("ranges") || c.includes("simple-bus") || c.includes("simple-mfd") ||
    c.includes("syscon");
}

/** `reg-overlap`: nodes against nodes, RAM and reserved-memory. */
export function overlapFindings(map: AddressMap): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  const rs = map.regions;
  const noMap = rs.filter((r) => r.kind === "reserved" && r.noMap);
  for (let i = 0; i < rs.length; i++) {
    const a = rs[i];
    for (let j = i + 1; j < rs.length && rs[j].start < a.end; j++) {
      const b = rs[j];
      if (b.end <= a.start || related(a.path, b.path)) continue;
      const lo = a.start > b.start ? a.start : b.start;
      const hi = a.end < b.end ? a.end : b.end;
      const key = [a.path, b.path].sort().join("|");
      const kinds = [a.kind, b.kind].sort().join("+");
      if (kinds === "device+device" || kinds === "ram+ram") {
        if (seen.has(key)) continue;
        seen.add(key);
        // Report on the node that starts later, naming the one it runs into.
        const [first, second] = a.start < b.start || (a.start === b.start && a.path < b.path)
          ? [a, b]
          : [b, a];
        const message = `reg ${range(second.start, second.end)} overlaps ${first.path} (${
          range(first.start, first.end)
        }) at ${range(lo, hi)}`;
        // Legitimate sharing, not two devices decoding the same addresses: the same registers
        // named twice (register-bit-led LEDs on one register, a syscon's functions), or a
        // region inside a container node's window (a simple-bus/simple-mfd/syscon with a reg
        // covering its children's registers).
        const shared = kinds === "device+device" && (
          (a.start === b.start && a.end === b.end) ||
          (isContainer(first.node) && second.end <= first.end) ||
          (isContainer(second.node) && first.start === second.start && first.end <= second.end)
        );
        if (shared) {
          const same = a.start === b.start && a.end === b.end;
          out.push({
            rule: "reg-overlap",
            severity: "info",
            node: second.path,
            related: [first.path],
            address: hexAddr(lo),
            message,
            why: same
              ? "Both nodes name the same registers, a register shared by design (e.g. LEDs on bits of one register, functions of a syscon); Xen maps the page once and dom0's drivers share it as Linux intends"
              : `${
                isContainer(first.node) ? first.path : second.path
              } is a container (simple-bus, simple-mfd, syscon or a node with ranges) whose reg covers the registers of the devices it holds; Xen maps both, as Linux expects`,
            fix: "nothing, unless one of them is passed through to a domU",
          });
          continue;
        }
        // One device wholly inside another's registers is usually a sub-block by design (an
        // MDIO bus inside an Ethernet MAC, a sensor inside a clock controller): harmless while
        // both stay in dom0, a leak once one of them is passed through.
        const nested = kinds === "device+device" && (
          second.end <= first.end || (first.start === second.start && first.end <= second.end)
        );
        if (nested) {
          const [inner, outer] = second.end <= first.end ? [second, first] : [first, second];
          out.push({
            rule: "reg-overlap",
            severity: "warning",
            node: second.path,
            related: [first.path],
            address: hexAddr(lo),
            message,
            why: `${inner.path} lies wholly inside the registers of ${outer.path}, usually a ` +
              "sub-block by design (an MDIO bus inside an Ethernet MAC, a sensor inside a clock " +
              "block); Xen maps both into dom0, but whichever domain gets one of them through " +
              "passthrough can reach the other's registers",
            fix: "nothing while both stay in dom0; pass them through together or not at all",
          });
          continue;
        }
        out.push({
          rule: "reg-overlap",
          severity: "error",
          node: second.path,
          related: [first.path],
          address: hexAddr(lo),
          message,
          why: kinds === "ram+ram"
            ? "Two memory nodes describe the same RAM: Xen's bootinfo and Linux's memblock count it twice"
            : "Two devices cannot decode the same addresses; Xen maps both into dom0 and whichever driver probes second talks to the other device's registers",
          fix: "correct the reg of one of the nodes",
        });
      } else if (kinds === "device+ram") {
        const dev = a.kind === "device" ? a : b;
        const ram = a.kind === "ram" ? a : b;
        const left = subtract(lo, hi, noMap);
        if (left.length === 0 || seen.has(key)) continue;
        seen.add(key);
        const mapped = rs.filter((r) =>
          r.kind === "reserved" && !r.noMap && r.start < hi && lo < r.end
        );
        out.push({
          rule: "reg-overlap",
          severity: "error",
          node: dev.path,
          related: [ram.path, ...mapped.map((r) => r.path)],
          address: hexAddr(left[0].start),
          message: `reg ${range(dev.start, dev.end)} lies inside RAM ${ram.path} at ${
            range(left[0].start, left[0].end)
          } without a no-map reserved-memory region${
            mapped.length > 0 ? ` (${mapped[0].path} covers it but has no no-map)` : ""
          }`,
          why:
            "The addresses are RAM to Xen and Linux: Xen may hand them to dom0 as RAM, and Linux maps them in its linear map as Normal WB, a cacheable alias of the device (mismatched memory attributes, ARM ARM B2.8)",
          fix:
            "carve the region out of RAM with a /reserved-memory child that has no-map (as the qemu-virt-sram board does), or shrink the memory node",
        });
      } else if (kinds === "device+reserved" || kinds === "reserved+reserved") {
        const res = a.kind === "reserved" ? a : b;
        const other = res === a ? b : a;
        if (kinds === "device+reserved" && res.noMap) continue;
        // Inside RAM, the device+RAM error already names the reservation.
        if (
          kinds === "device+reserved" &&
          rs.some((r) => r.kind === "ram" && r.start < hi && lo < r.end)
        ) continue;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
          rule: "reg-overlap",
          severity: "warning",
          node: other.path,
          related: [res.path],
          address: hexAddr(lo),
          message: `reg ${range(other.start, other.end)} overlaps reserved-memory ${res.path} at ${
            range(lo, hi)
          }${kinds === "device+reserved" ? " (which has no no-map)" : ""}`,
          why: kinds === "device+reserved"
            ? "Linux keeps reserved-memory without no-map in its linear map (Normal WB), so the device gets a cacheable alias"
            : "Two reserved-memory regions claim the same memory; the second reservation fails in Linux (of_reserved_mem)",
          fix: kinds === "device+reserved"
            ? `add no-map to ${res.path}, or move it off the device`
            : "make the reserved-memory regions disjoint",
        });
      }
    }
  }
  return out;
}

/** `ipa-size`: regions that end above 2^ipaBits. */
export function ipaFindings(map: AddressMap, ipaBits: number, paBits: number): Finding[] {
  const limit = 1n << BigInt(ipaBits);
  const out: Finding[] = [];
  const done = new Set<string>();
  for (const r of map.regions) {
    if (r.end <= limit || done.has(r.path)) continue;
    done.add(r.path);
    out.push({
      rule: "ipa-size",
      severity: "error",
      node: r.path,
      address: hexAddr(r.start > limit ? r.start : limit),
      message: `reg ${range(r.start, r.end)} reaches above the ${ipaBits}-bit IPA space (${
        hexAddr(limit)
      }) Xen configures ('P2M: ${ipaBits}-bit IPA with ${paBits}-bit PA')`,
      why: "dom0 is direct-mapped (IPA = PA), and an IPA at or above 2^" + ipaBits +
        " is outside VTCR_EL2.T0SZ's input range: dom0's accesses take a stage-2 translation fault, and a CPU with this PARange cannot address it at all",
      fix: "check the address (a typo in the cells?), or model a CPU whose PARange covers it",
    });
  }
  return out;
}

/** `passthrough-no-iommu`: `xen,passthrough` nodes without `iommus`. */
export function passthroughFindings(tree: DeviceTree, iommuPresent: boolean): Finding[] {
  const out: Finding[] = [];
  for (const n of tree.root.walk()) {
    if (!n.has("xen,passthrough") || n.has("iommus")) continue;
    out.push({
      rule: "passthrough-no-iommu",
      severity: "warning",
      node: n.path,
      message: "marked xen,passthrough but has no iommus property",
      why: iommuPresent
        ? "The device is not behind the IOMMU in the tree, so Xen cannot protect it: assigning it to a domU fails (iommu_assign_dt_device returns -EINVAL) unless the domU's partial device tree sets xen,force-assign-without-iommu, and then the device can DMA anywhere in memory"
        : "The board has no IOMMU Xen drives, so assigning the device to a domU fails (-EINVAL) unless the domU's partial device tree sets xen,force-assign-without-iommu, and then the device can DMA anywhere in memory",
      fix:
        "add iommus = <&smmu STREAM-ID> for the device, or accept DMA without isolation with xen,force-assign-without-iommu in the domU's partial device tree (docs/misc/arm/passthrough-noiommu.txt)",
    });
  }
  return out;
}
