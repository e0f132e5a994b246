/**
 * `XEN_DOMCTL_*` (xen/common/domctl.c `do_domctl`, 4.17) for device passthrough:
 * `XEN_DOMCTL_iomem_permission`, `XEN_DOMCTL_irq_permission` and `XEN_DOMCTL_memory_mapping`.
 * The struct is copied from the caller (`-EFAULT`), the interface version checked (`-EACCES`),
 * the target looked up (`-ESRCH`), then each op's checks in Xen's order; on any error nothing
 * changes. Privilege checks follow the dummy XSM policy: `XSM_PRIV` needs the control domain
 * (dom0), `XSM_DM_PRIV` the control domain or the target's device model.
 *
 * @module
 */

import type { CpuPort } from "../arch/arm64/port.ts";
import type { Domain } from "./domain.ts";
import { copyFromGuest } from "./guest_access.ts";
import { PADDR_BITS, PAGE_SHIFT } from "./page_alloc.ts";
import { DOMCTL, XEN_DOMCTL, XEN_DOMCTL_INTERFACE_VERSION, XEN_ERRNO as E } from "./xen_public.ts";
import type { XenCore } from "./xen_core.ts";

/** `d->nr_pirqs` on Arm: the static IRQs (`NR_IRQS` 1024) plus 32 extra. */
const NR_PIRQS = 1024 + 32;

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function le64(b: Uint8Array, o: number): bigint {
  return BigInt(le32(b, o)) | (BigInt(le32(b, o + 4)) << 32n);
}

const U64 = (1n << 64n) - 1n;

/** `is_control_domain(current)`: the dummy XSM's XSM_PRIV. */
function xsmPriv(cur: Domain): number {
  return cur.domid === 0 ? 0 : -E.EPERM;
}

/** `do_domctl(u_domctl)` from domain `cur`. */
export function doDomctl(x: XenCore, cur: Domain, cpu: CpuPort, arg: number): number {
  const b = copyFromGuest(cpu, cur, x.mem, arg, DOMCTL.SIZE);
  if (!b) return -E.EFAULT;
  if (le32(b, DOMCTL.interface_version) !== XEN_DOMCTL_INTERFACE_VERSION) return -E.EACCES;
  const cmd = le32(b, DOMCTL.cmd);
  const domid = b[DOMCTL.domain] | (b[DOMCTL.domain + 1] << 8);
  const d = x.domains.get(domid);
  if (!d) return -E.ESRCH;
  const u = DOMCTL.U;
  switch (cmd) {
    case XEN_DOMCTL.iomem_permission: {
      const mfn = le64(b, u);
      const nr = le64(b, u + 8);
      const allow = b[u + 16] !== 0;
      const last = (mfn + nr - 1n) & U64;
      if (last < mfn) return -E.EINVAL; // wrap (also nr == 0)
      const rc = xsmPriv(cur);
      if (rc) return rc;
      const s = Number(mfn);
      const e = Number(last);
      if (!cur.iomemCaps.containsRange(s, e)) return -E.EPERM;
      if (allow) {
        d.iomemCaps.add(s, e);
        d.iomemRevoked.remove(s, e);
      } else {
        d.iomemCaps.remove(s, e);
        d.iomemRevoked.add(s, e);
      }
      return 0;
    }
    case XEN_DOMCTL.irq_permission: {
      const pirq = le32(b, u);
      const allow = b[u + 4] !== 0;
      if (pirq >= NR_PIRQS) return -E.EINVAL;
      const irq = pirq; // domain_pirq_to_irq on Arm
      if (!irq) return -E.EPERM;
      const rc = xsmPriv(cur);
      if (rc) return rc;
      if (!cur.irqCaps.contains(irq)) return -E.EPERM;
      if (allow) d.irqCaps.add(irq, irq);
      else d.irqCaps.remove(irq, irq);
      return 0;
    }
    case XEN_DOMCTL.memory_mapping: {
      const gfn = le64(b, u);
      const mfn = le64(b, u + 8);
      const nr = le64(b, u + 16);
      const add = le32(b, u + 24) !== 0;
      const mfnEnd = (mfn + nr - 1n) & U64;
      if (
        mfnEnd < mfn || ((mfn | mfnEnd) >> BigInt(PADDR_BITS - PAGE_SHIFT)) ||
        ((gfn + nr - 1n) & U64) < gfn
      ) {
        return -E.EINVAL;
      }
      // xsm_iomem_mapping(XSM_DM_PRIV): the control domain (no device models here).
      const rc = xsmPriv(cur);
      if (rc) return rc;
      if (nr > 64n) return -E.E2BIG; // "Must break hypercall up as this could take a while."
      const s = Number(mfn);
      const e = Number(mfnEnd);
      if (!cur.iomemCaps.containsRange(s, e) || !d.iomemCaps.containsRange(s, e)) return -E.EPERM;
      if (add) {
        x.console.printk(
          "<G><3>memory_map:add: %pd gfn=%lx mfn=%lx nr=%lx\n",
          d.name,
          gfn,
          mfn,
          nr,
        );
        const r = d.mapRegion(
          Number(gfn),
          Number(nr),
          s,
          x.policy.passthrough,
          "XEN_DOMCTL_memory_mapping",
        );
        if (r < 0) {
          x.console.printk(
            "<G><1>memory_map:fail: %pd gfn=%lx mfn=%lx nr=%lx ret:%ld\n",
            d.name,
            gfn,
            mfn,
            nr,
            r,
          );
        }
        return r;
      }
      x.console.printk(
        "<G><3>memory_map:remove: %pd gfn=%lx mfn=%lx nr=%lx\n",
        d.name,
        gfn,
        mfn,
        nr,
      );
      // unmap_mmio_regions → p2m_remove_mapping: refuse (-EILSEQ) when a RAM, grant or foreign
      // page in the range is not the MFN being unmapped (or the MFN is not RAM); otherwise the
      // whole range is removed, whatever else it maps.
      for (let i = 0; i < Number(nr); i++) {
        const l = d.p2m.lookup(Number(gfn) + i);
        const anyRam = l.type === "p2m_ram_rw" || l.type === "p2m_ram_ro" ||
          l.type.startsWith("p2m_map_foreign") ||
          l.type.startsWith("p2m_grant_map");
        if (anyRam && (!x.alloc.mfnValid(s) || l.mfn !== s + i)) return -E.EILSEQ;
      }
      return d.unmapRegion(Number(gfn), Number(nr));
    }
    default:
      return -E.ENOSYS;
  }
}
