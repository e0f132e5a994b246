/**
 * The isolation invariants every state of the model must keep, checked by walking the real
 * stage-2 tables of every domain (for tests, fuzzing and the sim layer):
 *
 * 1. no IPA of any domain maps Xen's own memory (its image, the frametable, heap pages Xen uses,
 *    p2m tables), except the Xen pages Xen shares with that domain (shared_info, grant frames);
 * 2. no IPA maps the GIC distributor, the GICv3 redistributors or the GICv2 hypervisor
 *    interface (the GICv2 CPU interface region may only be backed by GICV);
 * 3. a domain's MMIO mappings lie inside its iomem permissions, except the ones Xen itself makes
 *    for the GIC (GICC→GICV, GICv2m frames) and `/reserved-memory` regions (in RAM or not:
 *    Xen 4.17 maps them into dom0 without iomem permission);
 * 4. no RAM page is mapped into two domains except as a foreign or grant mapping, and RAM a
 *    domain maps as RAM is RAM it owns;
 * 5. no stage-2 MMIO mapping is executable unless the active policy says so (a proposal).
 *
 * @module
 */

import type { Domain } from "./domain.ts";
import { PAGE_SIZE } from "./page_alloc.ts";
import { Rangeset } from "./rangeset.ts";
import type { XenCore } from "./xen_core.ts";

/** One broken invariant. */
export interface Violation {
  /** Which invariant (1–5). */
  invariant: 1 | 2 | 3 | 4 | 5;
  /** Domain. */
  domid: number;
  /** IPA of the offending mapping. */
  ipa: number;
  /** PA it maps. */
  pa: number;
  /** Size of the offending leaf run. */
  size: number;
  /** What is wrong. */
  message: string;
  /**
   * Set when real Xen 4.17 behaves the same way (a known Xen bug the model reproduces on
   * purpose), with the reference.
   */
  known?: string;
}

/** Xen 4.17's off-by-one in `map_range_to_domain` (one extra iomem page), fixed in 2025. */
export const KNOWN_IOMEM_OFF_BY_ONE: string =
  "Xen 4.17 map_range_to_domain grants iomem permission for one page past each region " +
  "(PAGE_ALIGN of an inclusive end); fixed by 9568ceb287 (Xen 4.21)";

function hex(v: number): string {
  return "0x" + v.toString(16);
}

/** Split pfns [s, s+n) into runs inside and outside the heap's RAM ranges. */
function ramSegments(x: XenCore, s: number, n: number): { s: number; e: number; ram: boolean }[] {
  const out: { s: number; e: number; ram: boolean }[] = [];
  const end = s + n;
  let at = s;
  while (at < end) {
    const ram = x.alloc.mfnValid(at);
    let next = at + 1;
    // Jump to the next RAM boundary instead of stepping page by page.
    let bound = end;
    for (const r of x.alloc.ramRanges()) {
      if (ram && at >= r.s && at < r.e) bound = Math.min(bound, r.e);
      if (!ram && r.s > at) bound = Math.min(bound, r.s);
    }
    next = Math.max(next, bound);
    out.push({ s: at, e: next, ram });
    at = next;
  }
  return out;
}

/**
 * Xen 4.17 trusts the host device tree: `handle_device` → `map_range_to_domain` maps every
 * `reg` of every node it gives dom0, and checks it against neither RAM, Xen's own memory nor
 * the GIC. A host tree with a device whose `reg` covers those makes real Xen break isolation the
 * same way; the checker reports it, marked with this note.
 */
export const KNOWN_TRUSTED_HOST_DT: string =
  "Xen 4.17 maps a host-DT device's reg into dom0 as written (handle_device → " +
  "map_range_to_domain checks it against neither RAM, Xen's memory nor the GIC); the host DT is trusted";

/**
 * `XEN_DOMCTL_iomem_permission` with `allow_access = 0` only removes the permission
 * (`iomem_deny_access`); it does not unmap what the domain already maps there (the toolstack
 * unmaps with `XEN_DOMCTL_memory_mapping` first). Xen 4.17 behaves so; the checker marks it.
 */
export const KNOWN_IOMEM_REVOKE: string =
  "Xen 4.17 XEN_DOMCTL_iomem_permission deny (iomem_deny_access) does not unmap an existing " +
  "mapping; the toolstack unmaps first";

/** Check every invariant; an empty list means the state is sound. */
export function checkIsolation(x: XenCore): Violation[] {
  const out: Violation[] = [];
  const g = x.host.gic;
  const forbidden: { s: number; e: number; what: string }[] = [];
  // The distributor is the architectural frame Xen maps and emulates (SZ_64K on GICv3, one
  // page on GICv2: gicv3_init / gicv2_init map that much whatever size the tree's reg claims).
  if (g.version === 3) {
    forbidden.push({ s: g.dbase, e: g.dbase + 0x10000, what: "GICD" });
    for (const [b, sz] of g.rdist) forbidden.push({ s: b, e: b + sz, what: "GICR" });
  } else {
    forbidden.push({ s: g.dbase, e: g.dbase + PAGE_SIZE, what: "GICD" });
    forbidden.push({ s: g.hbase, e: g.hbase + 0x1000, what: "GICH" });
  }
  const xenImage = x.bi.modules.find((m) => m.kind === "xen")!;
  // RAM page ranges mapped as RAM, per domain.
  const ramUsers = new Map<number, Rangeset>();
  const allP2mPages = new Set<number>();
  for (const d of x.domains.values()) for (const p of d.p2m.pages) allP2mPages.add(p);

  const gicExtraPa = new Rangeset();
  if (g.version === 2) {
    gicExtraPa.add(
      Math.floor(g.vbase / PAGE_SIZE),
      Math.floor((g.vbase + g.csize - 1) / PAGE_SIZE),
    );
    for (const f of g.v2m) {
      gicExtraPa.add(Math.floor(f.addr / PAGE_SIZE), Math.floor((f.addr + f.size - 1) / PAGE_SIZE));
    }
  }
  const reservedRam = new Rangeset();
  for (const r of x.bi.reservedMem) {
    reservedRam.add(
      Math.floor(r.start / PAGE_SIZE),
      Math.floor((r.start + r.size - 1) / PAGE_SIZE),
    );
  }

  for (const d of x.domains.values()) {
    checkDomain(x, d, forbidden, xenImage, allP2mPages, gicExtraPa, reservedRam, ramUsers, out);
  }

  // Mappings that outlived a revoked permission (see KNOWN_IOMEM_REVOKE).
  for (const v of out) {
    if (v.known || v.invariant !== 3) continue;
    const d = x.domains.get(v.domid);
    const s = Math.floor(v.pa / PAGE_SIZE);
    const e = Math.floor((v.pa + v.size - 1) / PAGE_SIZE);
    if (d && d.iomemRevoked.overlaps(s, e) && revokedOrPermitted(d, s, e)) {
      v.known = KNOWN_IOMEM_REVOKE;
    }
  }
  // Violations that a hardware-domain mapping of a host-DT node explains (see above).
  for (const v of out) {
    if (v.known || v.invariant === 3 || v.invariant === 5) continue;
    const d = x.domains.get(v.domid);
    if (!d?.hardware) continue;
    // The leaf run may join the mappings of several adjacent nodes: every part of it must come
    // from a host-DT node's MMIO mapping (the record that holds an IPA now is the last made).
    if (coveredByHostDtMmio(d, v.ipa, v.ipa + v.size)) v.known = KNOWN_TRUSTED_HOST_DT;
  }

  const doms = [...ramUsers.entries()];
  for (let i = 0; i < doms.length; i++) {
    for (let j = i + 1; j < doms.length; j++) {
      for (const r of doms[i][1].ranges()) {
        if (!doms[j][1].overlaps(r.s, r.e)) continue;
        out.push({
          invariant: 4,
          domid: doms[j][0],
          ipa: -1,
          pa: r.s * PAGE_SIZE,
          size: (r.e - r.s + 1) * PAGE_SIZE,
          message: `RAM in ${hex(r.s * PAGE_SIZE)}-${
            hex((r.e + 1) * PAGE_SIZE)
          } mapped as RAM by d${doms[i][0]} and d${doms[j][0]}`,
        });
      }
    }
  }
  return out;
}

/** Whether every IPA in [s, e) is held, as of now, by a mapping Xen made for a host-DT node. */
function coveredByHostDtMmio(d: Domain, s: number, e: number): boolean {
  const ms = d.mappings;
  let at = s;
  while (at < e) {
    let i = ms.length - 1;
    while (i >= 0 && (ms[i].removed || ms[i].ipa > at || at >= ms[i].ipa + ms[i].size)) i--;
    if (i < 0 || !ms[i].source.startsWith("/") || !ms[i].type.startsWith("p2m_mmio")) return false;
    // It holds up to its end, or up to where a later mapping takes over.
    let next = ms[i].ipa + ms[i].size;
    for (let j = i + 1; j < ms.length; j++) {
      if (!ms[j].removed && ms[j].ipa > at && ms[j].ipa < next) next = ms[j].ipa;
    }
    at = next;
  }
  return true;
}

function checkDomain(
  x: XenCore,
  d: Domain,
  forbidden: { s: number; e: number; what: string }[],
  xenImage: { start: number; size: number },
  p2mPages: Set<number>,
  gicExtraPa: Rangeset,
  reservedRam: Rangeset,
  ramUsers: Map<number, Rangeset>,
  out: Violation[],
): void {
  let mine = ramUsers.get(d.domid);
  if (!mine) {
    mine = new Rangeset();
    ramUsers.set(d.domid, mine);
  }
  const v = (
    invariant: Violation["invariant"],
    ipa: number,
    pa: number,
    size: number,
    message: string,
  ) => out.push({ invariant, domid: d.domid, ipa, pa, size, message });
  // Where MMIO may be mapped without breaking invariant 3: the iomem permissions, the GIC
  // frames Xen maps itself and /reserved-memory — as one set, since a leaf run can span
  // adjacent regions of different kinds (a reserved carve-out next to a permitted device).
  const mmioAllowed = new Rangeset();
  for (const set of [d.iomemCaps, gicExtraPa, reservedRam]) {
    for (const r of set.ranges()) mmioAllowed.add(r.s, r.e);
  }
  const proposedExec = new Rangeset();
  for (const m of d.mappings) {
    if (!m.removed && m.proposed && !m.xn && m.type.startsWith("p2m_mmio")) {
      proposedExec.add(m.ipa / PAGE_SIZE, (m.ipa + m.size) / PAGE_SIZE - 1);
    }
  }
  for (const leaf of d.p2m.leaves()) {
    const { ipa, pa, size, entry } = leaf;
    const type = entry.typeValue;
    const isMmio = type >= 3 && type <= 5;
    const isRam = type === 1 || type === 2;
    const isForeignOrGrant = type >= 6 && type <= 9;
    const end = pa + size;
    // 2. GIC
    for (const f of forbidden) {
      if (pa < f.e && f.s < end) {
        v(2, ipa, pa, size, `maps the ${f.what} at ${hex(f.s)}`);
        const s0 = Math.floor(Math.max(pa, f.s) / PAGE_SIZE);
        const e0 = Math.floor((Math.min(end, f.e) - 1) / PAGE_SIZE);
        if (d.iomemCaps.containsRange(s0, e0)) out[out.length - 1].known = KNOWN_IOMEM_OFF_BY_ONE;
      }
    }
    // 1. Xen's memory
    if (pa < xenImage.start + xenImage.size && xenImage.start < end) {
      v(1, ipa, pa, size, `maps Xen's image at ${hex(xenImage.start)}`);
    }
    // A leaf run may straddle the end of RAM (a reserved RAM region and the device page after
    // it, mapped with the same attributes): check each part by what it is.
    for (const seg of ramSegments(x, Math.floor(pa / PAGE_SIZE), size / PAGE_SIZE)) {
      const firstPfn = seg.s;
      const nPages = seg.e - seg.s;
      const segIpa = ipa + (seg.s * PAGE_SIZE - pa);
      if (seg.ram) {
        // Fast path: a run wholly owned by the domain as RAM.
        if (isRam && d.ownedPages.containsRange(firstPfn, firstPfn + nPages - 1)) {
          mine.add(firstPfn, firstPfn + nPages - 1);
          continue;
        }
        // Pages that break invariant 1 or 4, coalesced into runs (one violation per run).
        let run: { i: number; n: number; owner: number } | null = null;
        const flushRun = () => {
          if (!run) return;
          const a = (firstPfn + run.i) * PAGE_SIZE;
          const e = a + run.n * PAGE_SIZE;
          const what = run.n === 1 ? `RAM page ${hex(a)}` : `RAM ${hex(a)}-${hex(e)}`;
          v(
            run.owner >= 0 ? 4 : 1,
            segIpa + run.i * PAGE_SIZE,
            a,
            run.n * PAGE_SIZE,
            run.owner >= 0
              ? `maps ${what} owned by d${run.owner}`
              : `maps ${what} that Xen owns or has free`,
          );
          run = null;
        };
        for (let i = 0; i < nPages; i++) {
          const mfn = firstPfn + i;
          if (p2mPages.has(mfn)) {
            flushRun();
            v(1, segIpa + i * PAGE_SIZE, mfn * PAGE_SIZE, PAGE_SIZE, "maps a p2m table page");
            continue;
          }
          let bad = true;
          if (d.xenPages.has(mfn)) bad = false; // shared_info / grant frame shared with it
          else if (isForeignOrGrant) bad = false; // another domain's page, by design
          else if (d.ownedPages.contains(mfn)) {
            if (isRam) mine.add(mfn, mfn);
            bad = false;
          } else if (reservedRam.contains(mfn)) bad = false; // /reserved-memory as a device
          if (!bad) {
            flushRun();
            continue;
          }
          const owner = [...x.domains.values()].find((o) => o.ownedPages.contains(mfn))?.domid ??
            -1;
          if (run && run.owner === owner && run.i + run.n === i) run.n++;
          else {
            flushRun();
            run = { i, n: 1, owner };
          }
        }
        flushRun();
      } else if (isMmio) {
        // 3. iomem permissions for MMIO. Xen 4.17 maps /reserved-memory regions into dom0
        // without iomem permission (map_range_to_domain skips iomem_permit_access for them),
        // also when they lie outside RAM (an OCRAM or a VRAM carve-out): not a breach.
        const s0 = firstPfn;
        const e0 = firstPfn + nPages - 1;
        if (!mmioAllowed.containsRange(s0, e0)) {
          v(
            3,
            segIpa,
            s0 * PAGE_SIZE,
            nPages * PAGE_SIZE,
            `MMIO ${hex(s0 * PAGE_SIZE)}-${hex((e0 + 1) * PAGE_SIZE)} without iomem permission`,
          );
        }
      }
    }
    // 5. executable MMIO
    if (isMmio && !entry.xn) {
      const allowed = proposedExec.containsRange(ipa / PAGE_SIZE, (ipa + size) / PAGE_SIZE - 1);
      if (!allowed) v(5, ipa, pa, size, "executable stage-2 MMIO mapping");
    }
  }
}

/** Every page of [s, e] is either permitted or had its permission revoked. */
function revokedOrPermitted(d: Domain, s: number, e: number): boolean {
  const ranges = [...d.iomemCaps.ranges(), ...d.iomemRevoked.ranges()];
  let p = s;
  while (p <= e) {
    const r = ranges.find((x) => x.s <= p && p <= x.e);
    if (!r) return false;
    p = r.e + 1;
  }
  return true;
}
