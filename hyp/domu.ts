/**
 * A domU with passthrough devices, built the way `xl create` and Xen do it (tools/libs/light
 * + xen/common/domctl.c + xen/arch/arm/domain_build.c `allocate_memory`): a domain with the guest
 * memory map (`GUEST_RAM0_BASE` 0x40000000, `GUEST_RAM1_BASE` 0x200000000), RAM from the heap
 * mapped `p2m_ram_rw`, and for each passthrough entry the toolstack's hypercalls issued as dom0:
 * `XEN_DOMCTL_iomem_permission` + `XEN_DOMCTL_memory_mapping` (≤ 64 pages per call, mapped
 * **Device-nGnRE**, `p2m_mmio_direct_dev`) for `iomem=`, `XEN_DOMCTL_irq_permission` + routing
 * for `irqs=`, and for `dtdev=` the node's `reg`s and interrupts (the node must carry
 * `xen,passthrough` in the host tree; dom0 got it disabled). Every call goes through the same
 * checks as a hypercall and fails with Xen's error code.
 *
 * Config format (a subset of xl.cfg, one `key = value` per line, `#` comments):
 * ```
 * name = "guest"
 * memory = 128                  # MiB
 * vcpus = 1
 * iomem = [ "9300,1@9300" ]     # hex MFN,NR[@GFN] (pages), GFN defaults to the MFN
 * irqs = [ 112 ]                # physical SPIs, routed with vIRQ = pIRQ
 * dtdev = [ "/passdev@9300000" ]
 * ```
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { XENLOG_INFO } from "./console.ts";
import { dtDeviceForPassthrough } from "./device.ts";
import type { Domain } from "./domain.ts";
import { getAllocationSize } from "./domain_build.ts";
import { platformGetIrq } from "./gic_v3.ts";
import { PAGE_SIZE } from "./page_alloc.ts";
import { findByPath } from "./setup.ts";
import { createDomain, type XenInstance } from "./xen.ts";
import { XEN_ERRNO as E } from "./xen_public.ts";

/** `GUEST_RAM0_BASE` / `GUEST_RAM0_SIZE` (public/arch-arm.h). */
export const GUEST_RAM0_BASE = 0x40000000;
/** `GUEST_RAM0_SIZE`. */
export const GUEST_RAM0_SIZE = 0xc0000000;
/** `GUEST_RAM1_BASE`. */
export const GUEST_RAM1_BASE = 0x0200000000;
/** `GUEST_RAM1_SIZE`. */
export const GUEST_RAM1_SIZE = 0xfe00000000;

/** A domU description. */
export interface DomUConfig {
  /** Name. */
  name: string;
  /** RAM in MiB. */
  memory: number;
  /** vCPUs. */
  vcpus: number;
  /** `iomem=`: [first MFN, pages, GFN]. */
  iomem: { mfn: number; nr: number; gfn: number }[];
  /** `irqs=`. */
  irqs: number[];
  /** `dtdev=` host node paths. */
  dtdev: string[];
}

/** Parse the config format above. @throws {InputError} with `file:line`. */
export function parseDomUConfig(text: string, file = "domu.cfg"): DomUConfig {
  const cfg: DomUConfig = { name: "domU", memory: 128, vcpus: 1, iomem: [], irqs: [], dtdev: [] };
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const loc = `${file}:${i + 1}`;
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) return;
    const m = /^([a-z_]+)\s*=\s*(.+)$/.exec(line);
    if (!m) throw new InputError(loc, `Expected 'key = value', got '${line}'`);
    const [, key, val] = m;
    const list = (): string[] => {
      const lm = /^\[(.*)\]$/.exec(val.trim());
      if (!lm) throw new InputError(loc, `'${key}' must be a list [ ... ]`);
      // Items are quoted strings (which may hold commas) or bare tokens, separated by commas.
      const items: string[] = [];
      const re = /\s*("[^"]*"|[^,"\s][^,]*?)\s*(?:,|$)/y;
      const body = lm[1].trim();
      let mm: RegExpExecArray | null;
      while (re.lastIndex < body.length && (mm = re.exec(body))) items.push(mm[1]);
      if (re.lastIndex < body.length) {
        throw new InputError(loc, `Cannot parse the list [${lm[1]}]`);
      }
      return items;
    };
    const str = (s: string): string => {
      const sm = /^"([^"]*)"$/.exec(s.trim());
      if (!sm) throw new InputError(loc, `Expected a quoted string, got ${s}`);
      return sm[1];
    };
    const int = (s: string): number => {
      const n = Number(s.trim());
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new InputError(loc, `Expected a non-negative integer, got ${s}`);
      }
      return n;
    };
    switch (key) {
      case "name":
        cfg.name = str(val);
        break;
      case "memory":
        cfg.memory = int(val);
        break;
      case "vcpus":
        cfg.vcpus = int(val);
        if (cfg.vcpus < 1) throw new InputError(loc, "'vcpus' must be at least 1");
        break;
      case "iomem":
        for (const e of list()) {
          // xl.cfg: "IOMEM_START,NUM_PAGES[@GFN]" in hex
          const im = /^([0-9a-fA-F]+),([0-9a-fA-F]+)(?:@([0-9a-fA-F]+))?$/.exec(str(e));
          if (!im) {
            throw new InputError(loc, `Bad iomem entry ${e}: expected "MFN,NR[@GFN]" in hex`);
          }
          const mfn = parseInt(im[1], 16);
          if (parseInt(im[2], 16) === 0) {
            throw new InputError(loc, `Bad iomem entry ${e}: zero pages`);
          }
          cfg.iomem.push({ mfn, nr: parseInt(im[2], 16), gfn: im[3] ? parseInt(im[3], 16) : mfn });
        }
        break;
      case "irqs":
        for (const e of list()) cfg.irqs.push(int(e));
        break;
      case "dtdev":
        for (const e of list()) cfg.dtdev.push(str(e));
        break;
      default:
        throw new InputError(loc, `Unknown key '${key}'`);
    }
  });
  return cfg;
}

/** The result of building a domU. */
export interface DomUBuild {
  /** The domain. */
  domain: Domain;
  /** RAM banks (guest addresses). */
  banks: { start: number; size: number }[];
  /** Toolstack steps with their results (0 or -errno). */
  steps: { what: string; rc: number }[];
}

/**
 * Create a domU on a booted Xen. Fails with {@link InputError} when Xen would refuse (no memory,
 * a `dtdev` without `xen,passthrough`, an iomem/IRQ dom0 may not delegate).
 */
export function createDomU(xen: XenInstance, cfg: DomUConfig, file = "domu.cfg"): DomUBuild {
  const x = xen.core;
  const dom0 = xen.dom0;
  const domid = Math.max(...x.domains.keys()) + 1;
  const d = createDomain(x, domid, {
    hardware: false,
    directMap: false,
    nrSpis: Math.min(x.host.gicLines, 992) - 32,
    maxVcpus: cfg.vcpus,
  }, xen.runtimes);
  const steps: { what: string; rc: number }[] = [];
  const fail = (what: string, rc: number): never => {
    destroyDomain(xen, d); // xl destroys the half-built domain
    throw new InputError(
      file,
      `${what} failed: ${rc} (${Object.entries(E).find(([, v]) => v === -rc)?.[0] ?? rc})`,
    );
  };

  // allocate_memory: bank 0 at GUEST_RAM0_BASE, then bank 1.
  let unassigned = cfg.memory * 2 ** 20;
  x.console.printk(
    XENLOG_INFO + "Allocating mappings totalling %ldMB for %pd:\n",
    cfg.memory,
    d.name,
  );
  const banks: { start: number; size: number }[] = [];
  for (
    const [base, max] of [[GUEST_RAM0_BASE, GUEST_RAM0_SIZE], [GUEST_RAM1_BASE, GUEST_RAM1_SIZE]]
  ) {
    let left = Math.min(max, unassigned);
    if (!left) continue;
    const bank = { start: base, size: left };
    let gfn = base / PAGE_SIZE;
    let maxOrder = 64;
    while (left > 0) {
      const order = Math.min(maxOrder, getAllocationSize(left));
      const pg = x.alloc.allocDomheapPages(order, {}, `${d.name} RAM`);
      if (pg < 0) {
        if (!order) fail(`Allocating ${cfg.memory}MB for ${d.name}`, -E.ENOMEM);
        maxOrder = order - 1;
        continue;
      }
      d.ownedPages.add(pg, pg + 2 ** order - 1);
      d.mapRegion(gfn, 2 ** order, pg, {
        type: "p2m_ram_rw",
        rule: "allocate_memory → guest_physmap_add_page",
      }, `${d.name} RAM`);
      gfn += 2 ** order;
      left -= 2 ** order * PAGE_SIZE;
    }
    banks.push(bank);
    unassigned -= bank.size;
  }
  d.banks = banks;
  banks.forEach((b, i) =>
    x.console.printk(
      XENLOG_INFO + "%pd BANK[%d] %#016lx-%#016lx (%ldMB)\n",
      d.name,
      i,
      b.start,
      b.start + b.size,
      b.size / 2 ** 20,
    )
  );

  // The toolstack's calls, made by dom0 (current = dom0) with Xen's checks.
  const iomemPermission = (mfn: number, nr: number): number => {
    if (nr <= 0) return -E.EINVAL;
    if (!dom0.iomemCaps.containsRange(mfn, mfn + nr - 1)) return -E.EPERM;
    d.iomemCaps.add(mfn, mfn + nr - 1);
    return 0;
  };
  const memoryMapping = (gfn: number, mfn: number, nr: number, source: string): number => {
    // xl splits into ≤ 64-page XEN_DOMCTL_memory_mapping calls.
    for (let done = 0; done < nr; done += 64) {
      const n = Math.min(64, nr - done);
      if (
        !dom0.iomemCaps.containsRange(mfn + done, mfn + done + n - 1) ||
        !d.iomemCaps.containsRange(mfn + done, mfn + done + n - 1)
      ) {
        return -E.EPERM;
      }
      const rc = d.mapRegion(gfn + done, n, mfn + done, x.policy.passthrough, source);
      if (rc) return rc;
    }
    return 0;
  };
  const irqPermission = (irq: number): number => {
    if (!irq) return -E.EPERM;
    if (!dom0.irqCaps.contains(irq)) return -E.EPERM;
    d.irqCaps.add(irq, irq);
    return 0;
  };
  const bindIrq = (irq: number): number => {
    if (!d.irqCaps.contains(irq)) return -E.EPERM;
    x.irqs.release(0, irq); // dom0 did not route passthrough IRQs; release anything stale
    if (x.irqs.typeOf(irq) < 0) x.irqs.setType(irq, 4);
    const rc = x.irqs.route(d.domid, d.numIrqs, irq, irq);
    x.irqs.messages.splice(0);
    if (rc) return rc;
    d.reserveVirq(irq);
    d.routedIrqs.set(irq, irq);
    return 0;
  };

  for (const e of cfg.iomem) {
    let rc = iomemPermission(e.mfn, e.nr);
    steps.push({ what: `iomem_permission 0x${e.mfn.toString(16)}+${e.nr}`, rc });
    if (rc) fail(`XEN_DOMCTL_iomem_permission 0x${e.mfn.toString(16)}`, rc);
    rc = memoryMapping(e.gfn, e.mfn, e.nr, `iomem 0x${e.mfn.toString(16)},${e.nr}`);
    steps.push({
      what: `memory_mapping gfn 0x${e.gfn.toString(16)} mfn 0x${e.mfn.toString(16)} nr ${e.nr}`,
      rc,
    });
    if (rc) fail(`XEN_DOMCTL_memory_mapping 0x${e.mfn.toString(16)}`, rc);
  }
  for (const irq of cfg.irqs) {
    let rc = irqPermission(irq);
    steps.push({ what: `irq_permission ${irq}`, rc });
    if (rc) fail(`XEN_DOMCTL_irq_permission ${irq}`, rc);
    rc = bindIrq(irq);
    steps.push({ what: `bind_pt_irq ${irq}`, rc });
    if (rc) fail(`XEN_DOMCTL_bind_pt_irq ${irq}`, rc);
  }
  for (const path of cfg.dtdev) {
    const refuse = (msg: string): never => {
      destroyDomain(xen, d);
      throw new InputError(file, `dtdev ${path}: ${msg}`);
    };
    const node = findByPath(x.host.dt, path);
    if (!node) refuse("no such node in the host tree");
    if (!dtDeviceForPassthrough(node!)) {
      refuse("the node has no xen,passthrough property (dom0 owns it)");
    }
    const n = x.host.dt.numberOfAddress(node!);
    for (let i = 0; i < n; i++) {
      const a = x.host.dt.getAddress(node!, i);
      if (!a) refuse(`cannot translate reg ${i}`);
      const mfn = Math.floor(a![0] / PAGE_SIZE);
      const nr = Math.ceil((a![0] % PAGE_SIZE + a![1]) / PAGE_SIZE);
      let rc = iomemPermission(mfn, nr);
      steps.push({ what: `iomem_permission ${path} reg ${i}`, rc });
      if (rc) fail(`XEN_DOMCTL_iomem_permission for ${path}`, rc);
      rc = memoryMapping(mfn, mfn, nr, path);
      steps.push({ what: `memory_mapping ${path} reg ${i}`, rc });
      if (rc) fail(`XEN_DOMCTL_memory_mapping for ${path}`, rc);
    }
    const ni = x.host.dt.numberOfIrq(node!);
    for (let i = 0; i < ni; i++) {
      const irq = platformGetIrq(x.host.dt, node!, i);
      if (irq < 32) continue;
      let rc = irqPermission(irq);
      steps.push({ what: `irq_permission ${path} ${irq}`, rc });
      if (rc) fail(`XEN_DOMCTL_irq_permission ${irq} for ${path}`, rc);
      rc = bindIrq(irq);
      steps.push({ what: `bind_pt_irq ${path} ${irq}`, rc });
      if (rc) fail(`XEN_DOMCTL_bind_pt_irq ${irq} for ${path}`, rc);
    }
  }
  d.vcpus[0].online = true;
  d.vcpus[0].pc = GUEST_RAM0_BASE;
  return { domain: d, banks, steps };
}

/**
 * `domain_kill` + `domain_relinquish_resources` + `p2m_teardown`, as far as the model goes: the
 * domain's routed IRQs are released, its RAM returns to the heap, its stage-2 tables are freed
 * and it leaves the domain list. dom0 (the hardware domain) cannot be destroyed this way.
 */
export function destroyDomain(xen: XenInstance, d: Domain): void {
  const x = xen.core;
  if (d.domid === 0) throw new RangeError("destroyDomain: d0 is the hardware domain");
  for (const irq of d.routedIrqs.keys()) x.irqs.release(d.domid, irq);
  d.routedIrqs.clear();
  for (const m of d.mappings) m.removed = true;
  d.p2m.teardown();
  for (const r of d.ownedPages.ranges()) {
    // Free in naturally aligned power-of-two chunks (free_domheap_pages of what was allocated).
    let mfn = r.s;
    while (mfn <= r.e) {
      let order = 0;
      while (
        order < 18 && mfn % 2 ** (order + 1) === 0 && mfn + 2 ** (order + 1) - 1 <= r.e
      ) order++;
      x.alloc.freeDomheapPages(mfn, order, `${d.name} relinquish`);
      mfn += 2 ** order;
    }
  }
  d.ownedPages.clear();
  x.domains.delete(d.domid);
  xen.runtimes.delete(d.domid);
}
