/**
 * The hypercall entry (xen/arch/arm/traps.c `do_trap_hypercall`): `HVC #0xEA1` with the
 * hypercall number in x16 and arguments in x0..x4, the result in x0. Dispatches to
 * `memory_op` (memory_op.ts), `domctl` (domctl.ts), `console_io`, `xen_version`, `hvm_op`
 * (get/set param) and `sched_op` (yield, block, shutdown); every other number returns -ENOSYS,
 * as for a hypercall Xen does not have. Each call is recorded for reports.
 *
 * @module
 */

import type { CpuPort } from "../arch/arm64/port.ts";
import type { Domain } from "./domain.ts";
import { doDomctl } from "./domctl.ts";
import { copyFromGuest, copyToGuest } from "./guest_access.ts";
import { domainByAnyId, doMemoryOp, type MemoryOpOptions } from "./memory_op.ts";
import { domainShutdown } from "./vsmc.ts";
import {
  CONSOLEIO,
  HVM_NR_PARAMS,
  HVMOP,
  HYPERVISOR,
  SCHEDOP,
  SHUTDOWN,
  XEN_ERRNO as E,
  XENVER,
} from "./xen_public.ts";
import type { XenCore } from "./xen_core.ts";

/** One hypercall as it happened. */
export interface HypercallRecord {
  /** Calling domain. */
  domid: number;
  /** Calling vCPU. */
  vcpu: number;
  /** Hypercall number (x16). */
  nr: number;
  /** Its name (`memory_op`, … or `#n`). */
  name: string;
  /** x0..x4 at entry. */
  args: bigint[];
  /** The result (x0 at exit, signed). */
  ret: number;
}

const NAMES = new Map<number, string>(Object.entries(HYPERVISOR).map(([k, v]) => [v, k]));

/** Name of a Xen errno result (`-EPERM`) or the number. */
export function errnoName(ret: number): string {
  if (ret >= 0) return String(ret);
  for (const [k, v] of Object.entries(E)) if (v === -ret) return `-${k}`;
  return String(ret);
}

/** Options of the hypercall layer. */
export interface HypercallOptions extends MemoryOpOptions {}

/** `do_console_io`. */
function doConsoleIo(
  x: XenCore,
  cur: Domain,
  cpu: CpuPort,
  cmd: number,
  count: number,
  buf: number,
): number {
  // xsm_console_io: the hardware domain may; other domains only when they are the console.
  if (!cur.hardware) return -E.EPERM;
  switch (cmd) {
    case CONSOLEIO.write: {
      let left = count;
      let at = buf;
      let text = "";
      while (left > 0) {
        const n = Math.min(128, left); // kbuf[128] chunks, as guest_console_write copies
        const b = copyFromGuest(cpu, cur, x.mem, at, n);
        if (!b) return -E.EFAULT;
        for (const c of b) text += String.fromCharCode(c);
        left -= n;
        at += n;
      }
      x.console.guestWrite(cur.domid, text);
      return 0;
    }
    case CONSOLEIO.read:
      return 0; // no serial input in the model
    default:
      return -E.ENOSYS;
  }
}

/** `do_xen_version`. */
function doXenVersion(x: XenCore, cur: Domain, cpu: CpuPort, cmd: number, arg: number): number {
  const str = (s: string, len: number): number => {
    const b = new Uint8Array(len);
    for (let i = 0; i < Math.min(s.length, len - 1); i++) b[i] = s.charCodeAt(i);
    return copyToGuest(cpu, cur, x.mem, arg, b) ? 0 : -E.EFAULT;
  };
  switch (cmd) {
    case XENVER.version:
      return (4 << 16) | 17;
    case XENVER.extraversion:
      return str(".7", 16);
    case XENVER.capabilities:
      return str("xen-3.0-aarch64 xen-3.0-armv7l ", 1024);
    case XENVER.pagesize:
      return arg === 0 ? 4096 : -E.EINVAL;
    case XENVER.get_features: {
      const b = copyFromGuest(cpu, cur, x.mem, arg, 8);
      if (!b) return -E.EFAULT;
      const idx = b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
      if (idx !== 0) return -E.EINVAL;
      // memory_op_vnode_supported(13), writable_page_tables(0), auto_translated_physmap(2),
      // dom0(11) for the hardware domain, ARM_SMCCC_supported(14), direct_mapped(16) /
      // not_direct_mapped(17).
      let sub = (1 << 13) | (1 << 0) | (1 << 2) | (1 << 14);
      if (cur.hardware) sub |= 1 << 11;
      sub |= cur.directMap ? 1 << 16 : 1 << 17;
      const out = new Uint8Array(8);
      const dv = new DataView(out.buffer);
      dv.setUint32(0, 0, true);
      dv.setUint32(4, sub >>> 0, true);
      return copyToGuest(cpu, cur, x.mem, arg, out) ? 0 : -E.EFAULT;
    }
    default:
      return -E.ENOSYS;
  }
}

/** `do_hvm_op` (Arm: get/set param). */
function doHvmOp(x: XenCore, cur: Domain, cpu: CpuPort, op: number, arg: number): number {
  if (op !== HVMOP.set_param && op !== HVMOP.get_param) return -E.ENOSYS;
  const b = copyFromGuest(cpu, cur, x.mem, arg, 16);
  if (!b) return -E.EFAULT;
  const dv = new DataView(b.buffer);
  const index = dv.getUint32(4, true);
  if (index >= HVM_NR_PARAMS) return -E.EINVAL;
  const d = domainByAnyId(x, cur, dv.getUint16(0, true));
  if (!d) return -E.ESRCH;
  if (d !== cur && cur.domid !== 0) return -E.EPERM; // xsm_hvm_param(XSM_TARGET)
  if (op === HVMOP.set_param) {
    d.hvmParams.set(index, dv.getBigUint64(8, true));
    return 0;
  }
  dv.setBigUint64(8, d.hvmParams.get(index) ?? 0n, true);
  return copyToGuest(cpu, cur, x.mem, arg, b) ? 0 : -E.EFAULT;
}

/** `do_sched_op`. */
function doSchedOp(x: XenCore, cur: Domain, cpu: CpuPort, cmd: number, arg: number): number {
  switch (cmd) {
    case SCHEDOP.yield:
    case SCHEDOP.block:
      return 0;
    case SCHEDOP.shutdown: {
      const b = copyFromGuest(cpu, cur, x.mem, arg, 4);
      if (!b) return -E.EFAULT;
      const reason = b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
      const name = (Object.keys(SHUTDOWN) as (keyof typeof SHUTDOWN)[]).find((k) =>
        SHUTDOWN[k] === reason
      );
      if (!name) return -E.EINVAL;
      domainShutdown(x, cur, name);
      return 0;
    }
    default:
      return -E.ENOSYS;
  }
}

/**
 * `do_trap_hypercall` for an `HVC #XEN_HYPERCALL_TAG` from vCPU `cpu` of `cur`: runs the call,
 * writes x0, returns the record.
 */
export function doHypercall(
  x: XenCore,
  cur: Domain,
  cpu: CpuPort,
  o: HypercallOptions = {},
): HypercallRecord {
  const r = cpu.regs;
  const nr = Number(r[16] & 0xffffffffn);
  const args = [r[0], r[1], r[2], r[3], r[4]];
  const a = (i: number) => Number(BigInt.asIntN(64, args[i]));
  let ret: number;
  switch (nr) {
    case HYPERVISOR.memory_op:
      ret = doMemoryOp(x, cur, cpu, args[0], a(1), o);
      break;
    case HYPERVISOR.domctl:
      ret = doDomctl(x, cur, cpu, a(0));
      break;
    case HYPERVISOR.console_io:
      ret = doConsoleIo(x, cur, cpu, a(0), a(1), a(2));
      break;
    case HYPERVISOR.xen_version:
      ret = doXenVersion(x, cur, cpu, a(0), a(1));
      break;
    case HYPERVISOR.hvm_op:
      ret = doHvmOp(x, cur, cpu, a(0), a(1));
      break;
    case HYPERVISOR.sched_op:
      ret = doSchedOp(x, cur, cpu, a(0), a(1));
      break;
    default:
      ret = -E.ENOSYS;
  }
  r[0] = BigInt.asUintN(64, BigInt(ret));
  return { domid: cur.domid, vcpu: cpu.vcpuId, nr, name: NAMES.get(nr) ?? `#${nr}`, args, ret };
}
