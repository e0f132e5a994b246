/**
 * `XENMEM_*` (xen/common/memory.c `do_memory_op`, xen/arch/arm/mm.c
 * `xenmem_add_to_physmap_one`, xen/arch/arm/p2m.c `map_dev_mmio_page`), the parts dom0 uses on
 * Arm: `XENMEM_add_to_physmap` and `XENMEM_add_to_physmap_batch` with the spaces Arm supports
 * (`shared_info`, `grant_table`, `gmfn_foreign`, `dev_mmio`), and `XENMEM_remove_from_physmap`.
 * Every check returns Xen's error code before anything changes:
 * - `XENMAPSPACE_dev_mmio` is only for the hardware domain mapping into itself (else -EACCES);
 *   in the batch form `res0` must be 0 (else -EOPNOTSUPP); an MFN the domain has no iomem
 *   permission for is *silently not mapped* (rc 0); mappings are `p2m_mmio_direct_c`, one page at
 *   a time, with no GFN == MFN requirement.
 * - The seed's proposal (opt-in, **proposed, not in Xen**): a memory attribute in `res0`.
 *
 * @module
 */

import type { CpuPort } from "../arch/arm64/port.ts";
import type { MapDecision } from "./device.ts";
import type { Domain } from "./domain.ts";
import { copyFromGuest, copyToGuest } from "./guest_access.ts";
import type { P2mType } from "./p2m.ts";
import {
  DEV_MMIO_ATTR_PROPOSED,
  DOMID_SELF,
  MEMOP_CMD_MASK,
  MEMOP_EXTENT_SHIFT,
  XATP,
  XATPB,
  XEN_ERRNO as E,
  XENMAPSPACE,
  XENMEM,
} from "./xen_public.ts";
import type { XenCore } from "./xen_core.ts";

/** Options of the memory_op model. */
export interface MemoryOpOptions {
  /** Honour the proposed `res0` attribute for `XENMAPSPACE_dev_mmio` (not in Xen). */
  res0AttrExtension?: boolean;
}

const INVALID_GFN = 0xffffffffffffffffn;

function le16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function le64(b: Uint8Array, o: number): bigint {
  return BigInt(le32(b, o)) | (BigInt(le32(b, o + 4)) << 32n);
}

/** `rcu_lock_domain_by_any_id`: DOMID_SELF → current. */
export function domainByAnyId(x: XenCore, cur: Domain, domid: number): Domain | undefined {
  if (domid === DOMID_SELF) return cur;
  return x.domains.get(domid);
}

/** `xsm_add_to_physmap(XSM_TARGET, current, d)` with the dummy policy. */
function xsmTarget(cur: Domain, d: Domain): number {
  return cur === d || cur.domid === 0 ? 0 : -E.EPERM;
}

/** `xatp_permission_check`. */
function xatpPermissionCheck(cur: Domain, d: Domain, space: number): number {
  if (space === XENMAPSPACE.dev_mmio && (!d.hardware || d !== cur)) return -E.EACCES;
  return xsmTarget(cur, d);
}

/** The proposed attribute in `res0` → a mapping decision (extension only). */
function res0Decision(res0: number): MapDecision | undefined {
  const A = DEV_MMIO_ATTR_PROPOSED;
  const p = { proposed: true } as const;
  switch (res0) {
    case A.DEVICE_nGnRE:
      return {
        type: "p2m_mmio_direct_dev",
        rule: "XENMAPSPACE_dev_mmio res0 attribute Device-nGnRE (proposed, not in Xen)",
        ...p,
      };
    case A.NORMAL_NC:
      return {
        type: "p2m_mmio_direct_nc",
        rule: "XENMAPSPACE_dev_mmio res0 attribute Normal-NC (proposed, not in Xen)",
        ...p,
      };
    case A.NORMAL_WB:
      return {
        type: "p2m_mmio_direct_c",
        rule: "XENMAPSPACE_dev_mmio res0 attribute Normal-WB (proposed, not in Xen)",
        ...p,
      };
    case A.DEVICE_GRE:
      return {
        type: "p2m_mmio_direct_dev",
        override: { memAttr: 0x3 },
        rule: "XENMAPSPACE_dev_mmio res0 attribute Device-GRE (proposed, not in Xen)",
        ...p,
      };
  }
  return undefined;
}

/** `get_page_from_gfn(d, gfn)`: the MFN of a RAM page the domain owns, and its type. */
function ramPage(d: Domain, gfn: number): { mfn: number; type: P2mType } | undefined {
  const l = d.p2m.lookup(gfn);
  if (l.mfn < 0) return undefined;
  if (l.type !== "p2m_ram_rw" && l.type !== "p2m_ram_ro") return undefined;
  if (!d.ownedPages.contains(l.mfn)) return undefined;
  return { mfn: l.mfn, type: l.type };
}

/** `xenmem_add_to_physmap_one` (Arm). */
function addToPhysmapOne(
  x: XenCore,
  cur: Domain,
  d: Domain,
  space: number,
  extra: number,
  idx: bigint,
  gfn: number,
  attr?: MapDecision,
): number {
  switch (space) {
    case XENMAPSPACE.shared_info: {
      if (idx !== 0n) return -E.EINVAL;
      const mfn = d.xenPage("shared_info", x.alloc);
      if (mfn < 0) return -E.ENOMEM;
      return d.mapRegion(
        gfn,
        1,
        mfn,
        { type: "p2m_ram_rw", rule: "XENMAPSPACE_shared_info" },
        "shared_info page",
      );
    }
    case XENMAPSPACE.grant_table: {
      const frame = Number(idx & 0x7fffffffn);
      if (frame >= x.opts.gnttabMaxFrames) return -E.EINVAL;
      const mfn = d.xenPage(`grant_table frame ${frame}`, x.alloc);
      if (mfn < 0) return -E.ENOMEM;
      return d.mapRegion(
        gfn,
        1,
        mfn,
        { type: "p2m_ram_rw", rule: "XENMAPSPACE_grant_table" },
        `grant table frame ${frame}`,
      );
    }
    case XENMAPSPACE.gmfn_foreign: {
      const od = domainByAnyId(x, cur, extra);
      if (!od) return -E.ESRCH;
      if (od === d) return -E.EINVAL;
      if (cur.domid !== 0) return -E.EPERM; // xsm_map_gmfn_foreign(XSM_TARGET, d, od)
      const pg = ramPage(od, Number(idx));
      if (!pg) return -E.EINVAL;
      const t: P2mType = pg.type === "p2m_ram_rw" ? "p2m_map_foreign_rw" : "p2m_map_foreign_ro";
      const rc = d.mapRegion(gfn, 1, pg.mfn, {
        type: t,
        rule: `XENMAPSPACE_gmfn_foreign from d${od.domid}`,
      }, `d${od.domid} gfn 0x${idx.toString(16)}`);
      if (!rc) d.foreignPages.set(pg.mfn, od.domid);
      return rc;
    }
    case XENMAPSPACE.dev_mmio: {
      const mfn = Number(idx);
      // map_dev_mmio_page: without iomem permission nothing is mapped and 0 is returned.
      if (!d.iomemCaps.contains(mfn)) return 0;
      const dec = attr ?? x.policy.devMmio;
      const rc = d.mapRegion(gfn, 1, mfn, dec, "XENMAPSPACE_dev_mmio");
      if (rc < 0) x.console.printk("<G><0>Unable to map MFN %#05lx in %pd\n", mfn, d.name);
      return rc;
    }
    default:
      return -E.ENOSYS;
  }
}

/** `do_memory_op(cmd, arg)` for the calling vCPU `cpu` of domain `cur`. */
export function doMemoryOp(
  x: XenCore,
  cur: Domain,
  cpu: CpuPort,
  cmd: bigint,
  arg: number,
  o: MemoryOpOptions = {},
): number {
  const startExtent = Number(cmd >> BigInt(MEMOP_EXTENT_SHIFT));
  const op = Number(cmd & BigInt(MEMOP_CMD_MASK));
  switch (op) {
    case XENMEM.add_to_physmap: {
      if (startExtent > 0xffff) return -E.EDOM;
      const b = copyFromGuest(cpu, cur, x.mem, arg, XATP.SIZE);
      if (!b) return -E.EFAULT;
      const space = le32(b, XATP.space);
      if (space === XENMAPSPACE.gmfn_foreign) return -E.ENOSYS;
      const d = domainByAnyId(x, cur, le16(b, XATP.domid));
      if (!d) return -E.ESRCH;
      const rc = xatpPermissionCheck(cur, d, space);
      if (rc) return rc;
      if (space === XENMAPSPACE.gmfn_range) return -E.ENOSYS; // no gmfn on Arm
      return addToPhysmapOne(x, cur, d, space, 0, le64(b, XATP.idx), Number(le64(b, XATP.gpfn)));
    }
    case XENMEM.add_to_physmap_batch: {
      if (startExtent > 0xffff) return -E.EDOM;
      const b = copyFromGuest(cpu, cur, x.mem, arg, XATPB.SIZE);
      if (!b) return -E.EFAULT;
      const space = le16(b, XATPB.space);
      if (space === XENMAPSPACE.gmfn_range) return -E.EOPNOTSUPP;
      const d = domainByAnyId(x, cur, le16(b, XATPB.domid));
      if (!d) return -E.ESRCH;
      const rc = xatpPermissionCheck(cur, d, space);
      if (rc) return rc;
      return addToPhysmapBatch(x, cur, cpu, d, b, startExtent, o);
    }
    case XENMEM.remove_from_physmap: {
      if (startExtent) return -E.EINVAL;
      const b = copyFromGuest(cpu, cur, x.mem, arg, 16);
      if (!b) return -E.EFAULT;
      const d = domainByAnyId(x, cur, le16(b, 0));
      if (!d) return -E.ESRCH;
      const rc = xsmTarget(cur, d);
      if (rc) return rc;
      const gfn = Number(le64(b, 8));
      const l = d.p2m.lookup(gfn);
      const isXenPage = l.mfn >= 0 && d.xenPages.has(l.mfn);
      if (!ramPage(d, gfn) && !isXenPage) return -E.ENOENT;
      return d.unmapRegion(gfn, 1);
    }
    default:
      return -E.ENOSYS;
  }
}

/** `xenmem_add_to_physmap_batch`. */
function addToPhysmapBatch(
  x: XenCore,
  cur: Domain,
  cpu: CpuPort,
  d: Domain,
  b: Uint8Array,
  extentIn: number,
  o: MemoryOpOptions,
): number {
  let extent = extentIn;
  const size = le16(b, XATPB.size);
  const space = le16(b, XATPB.space);
  const u = le16(b, XATPB.res0);
  const idxs = Number(BigInt.asIntN(64, le64(b, XATPB.idxs)));
  const gpfns = Number(BigInt.asIntN(64, le64(b, XATPB.gpfns)));
  const errs = Number(BigInt.asIntN(64, le64(b, XATPB.errs)));
  if (size < extent) return -E.EILSEQ;
  if (size === extent) return extent ? -E.EILSEQ : 0;
  let attr: MapDecision | undefined;
  if (space === XENMAPSPACE.dev_mmio && u) {
    attr = o.res0AttrExtension ? res0Decision(u) : undefined;
    if (!attr) return -E.EOPNOTSUPP; // res0 is reserved for future use
  }
  while (size > extent) {
    const ib = copyFromGuest(cpu, cur, x.mem, idxs + extent * 8, 8);
    const gb = copyFromGuest(cpu, cur, x.mem, gpfns + extent * 8, 8);
    if (!ib || !gb) return -E.EFAULT;
    const gpfn = le64(gb, 0);
    if (gpfn === INVALID_GFN) return -E.EINVAL;
    const rc = addToPhysmapOne(x, cur, d, space, u, le64(ib, 0), Number(gpfn), attr);
    const eb = new Uint8Array(4);
    new DataView(eb.buffer).setInt32(0, rc, true);
    if (!copyToGuest(cpu, cur, x.mem, errs + extent * 4, eb)) return -E.EFAULT;
    extent++;
  }
  return 0;
}
