/**
 * SMC/HVC calls that are not Xen hypercalls (xen/arch/arm/vsmc.c + vpsci.c, 4.17): the SMC
 * Calling Convention (SMCCC 1.1: VERSION, ARCH_FEATURES, the workaround calls), the standard
 * hypervisor service UID/revision, and the virtual PSCI (0.1 IDs 1/2 from the DT's `cpu_off`/
 * `cpu_on`, PSCI 0.2+/1.1 functions: VERSION, CPU_ON/OFF/SUSPEND, AFFINITY_INFO,
 * MIGRATE_INFO_TYPE, SYSTEM_OFF/RESET, FEATURES). Anything else logs `Unhandled SMC/HVC: %#x`
 * (XENLOG_INFO, guest-rate-limited) and returns `ARM_SMCCC_ERR_UNKNOWN_FUNCTION`.
 *
 * @module
 */

import type { CpuPort } from "../arch/arm64/port.ts";
import { XENLOG_INFO } from "./console.ts";
import { type Domain, PSR_GUEST64_INIT, vcpuidToVaffinity } from "./domain.ts";
import { PSCI, PSCI_RET, SHUTDOWN, SMCCC } from "./xen_public.ts";
import type { XenCore } from "./xen_core.ts";

/** `XEN_SMCCC_UID` (public/arch-arm/smccc.h): a1e9bd57-…: as registers r0..r3. */
const XEN_SMCCC_UID = [0xa71812dc, 0x9a4cc4e2, 0xfff2f3b7, 0x3f2a4ab8];
/** `SSSC_SMCCC_UID` (vpsci: standard secure service). */
const SSSC_SMCCC_UID = [0xf863386f, 0x4b39ab76, 0xf4cd7cb7, 0x88fbd7cb];

/** A `SHUTDOWN_*` reason (`xen/include/public/sched.h`). */
export type ShutdownReason = "poweroff" | "reboot" | "suspend" | "crash" | "watchdog";

/** What a call did besides its return value (for the sim layer). */
export interface SmcEffect {
  /** A vCPU was brought online (PSCI CPU_ON). */
  cpuOn?: { vcpu: number; entry: number; contextId: number };
  /** The calling vCPU went offline. */
  cpuOff?: number;
  /** The domain asked to shut down. */
  shutdown?: ShutdownReason;
}

function s64(v: number): bigint {
  return BigInt.asUintN(64, BigInt(v));
}

/** `vaffinity_to_vcpuid`. */
function vaffinityToVcpuid(aff: bigint): number {
  const a0 = Number(aff & 0xffn);
  const a1 = Number((aff >> 8n) & 0xffn);
  if (a0 > 15 || aff >> 16n) return -1;
  return (a1 << 4) | a0;
}

/** `domain_shutdown` for the calling domain (hwdom_shutdown's message for dom0). */
export function domainShutdown(x: XenCore, d: Domain, reason: ShutdownReason): void {
  if (d.shutdown) return;
  d.shutdown = reason;
  if (!d.hardware) return;
  const c = x.console;
  switch (reason) {
    case "poweroff":
      c.printkTagged("shutdown", "Hardware Dom%u halted: halting machine\n", d.domid);
      break;
    case "reboot":
      c.printkTagged("shutdown", "Hardware Dom%u shutdown: rebooting machine\n", d.domid);
      break;
    case "crash":
      c.printkTagged("shutdown", "Hardware Dom%u crashed: ", d.domid);
      break;
    case "watchdog":
      c.printkTagged("shutdown", "Hardware Dom%u shutdown: watchdog rebooting machine\n", d.domid);
      break;
    default:
      c.printkTagged(
        "shutdown",
        "Hardware Dom%u shutdown (unknown reason %u): ",
        d.domid,
        SHUTDOWN[reason],
      );
  }
}

function cpuOn(d: Domain, target: bigint, entry: bigint, cid: bigint, eff: SmcEffect): number {
  const vid = vaffinityToVcpuid(target);
  const v = vid >= 0 ? d.vcpus[vid] : undefined;
  if (!v) return PSCI_RET.INVALID_PARAMETERS;
  if (entry & 1n) return PSCI_RET.INVALID_ADDRESS; // Thumb with a 64-bit domain
  if (v.online) return PSCI_RET.ALREADY_ON;
  v.online = true;
  v.pc = Number(entry);
  v.x = [Number(cid), 0, 0, 0];
  v.cpsr = PSR_GUEST64_INIT;
  eff.cpuOn = { vcpu: vid, entry: Number(entry), contextId: Number(cid) };
  return PSCI_RET.SUCCESS;
}

/**
 * `vsmccc_handle_call` for an HVC #0 or SMC from vCPU `cpu.vcpuId` of `d`: reads x0..x3 and
 * writes the results back. Returns the side effects.
 */
export function vsmcccHandleCall(x: XenCore, d: Domain, cpu: CpuPort): SmcEffect {
  const regs = cpu.regs;
  const fid = Number(regs[0] & 0xffffffffn);
  const eff: SmcEffect = {};
  const set = (v: number | bigint) => (regs[0] = typeof v === "bigint" ? v : s64(v));
  const vcpu = d.vcpus[cpu.vcpuId];
  let handled = true;
  // Existing APIs range (PSCI 0.1 function IDs, `ARM_SMCCC_RESERVED_RANGE`).
  if (fid < 0x80000000 && (fid === PSCI.cpu_off_0_1 || fid === PSCI.cpu_on_0_1)) {
    if (fid === PSCI.cpu_off_0_1) {
      if (vcpu) vcpu.online = false;
      eff.cpuOff = cpu.vcpuId;
      set(PSCI_RET.SUCCESS);
    } else {
      let r = cpuOn(d, regs[1] & 0xffffffffn, regs[2], 0n, eff);
      if (r === PSCI_RET.ALREADY_ON || r === PSCI_RET.INVALID_ADDRESS) {
        r = PSCI_RET.INVALID_PARAMETERS;
      }
      set(r);
    }
    return eff;
  }
  const owner = (fid >>> 24) & 0x3f;
  switch (owner) {
    case 0: // ARM_SMCCC_OWNER_ARCH
      if (fid === SMCCC.VERSION) set(SMCCC.VERSION_1_1);
      else if (fid === SMCCC.ARCH_FEATURES) {
        // Xen on QEMU's Cortex-A57 reports no workaround support (no firmware support either).
        set(SMCCC.NOT_SUPPORTED);
      } else if (
        fid === SMCCC.ARCH_WORKAROUND_1 || fid === SMCCC.ARCH_WORKAROUND_3 ||
        fid === SMCCC.ARCH_WORKAROUND_2
      ) {
        // no return value
      } else handled = false;
      break;
    case 5: // ARM_SMCCC_OWNER_HYPERVISOR
      if (fid === 0x8500ff00) set(3); // call count: XEN_SMCCC_FUNCTION_COUNT
      else if (fid === 0x8500ff01) XEN_SMCCC_UID.forEach((w, i) => (regs[i] = BigInt(w >>> 0)));
      else if (fid === 0x8500ff03) {
        regs[0] = 0n;
        regs[1] = 1n; // XEN_SMCCC_MAJOR/MINOR_REVISION 0.1
      } else handled = false;
      break;
    case 4: { // ARM_SMCCC_OWNER_STANDARD: vPSCI 0.2+
      switch (fid) {
        case PSCI.VERSION:
          set(0x10001); // PSCI_VERSION(1, 1)
          break;
        case PSCI.CPU_OFF:
          if (vcpu) vcpu.online = false;
          eff.cpuOff = cpu.vcpuId;
          set(PSCI_RET.SUCCESS);
          break;
        case PSCI.MIGRATE_INFO_TYPE:
          set(2); // PSCI_0_2_TOS_MP_OR_NOT_PRESENT
          break;
        case PSCI.SYSTEM_OFF:
          domainShutdown(x, d, "poweroff");
          eff.shutdown = "poweroff";
          set(PSCI_RET.INTERNAL_FAILURE);
          break;
        case PSCI.SYSTEM_RESET:
          domainShutdown(x, d, "reboot");
          eff.shutdown = "reboot";
          set(PSCI_RET.INTERNAL_FAILURE);
          break;
        case PSCI.CPU_ON32:
        case PSCI.CPU_ON64: {
          const t = fid === PSCI.CPU_ON32 ? regs[1] & 0xffffffffn : regs[1];
          set(cpuOn(d, t, regs[2], regs[3], eff));
          break;
        }
        case PSCI.CPU_SUSPEND32:
        case PSCI.CPU_SUSPEND64:
          set(PSCI_RET.SUCCESS);
          break;
        case PSCI.AFFINITY_INFO32:
        case PSCI.AFFINITY_INFO64: {
          const lvl = Number(regs[2] & 0xffffffffn);
          // MPIDR_HWID_MASK & AFFINITY_MASK(level) (asm/processor.h).
          const tmask = [0xff00ffffffn, 0xff00ffff00n, 0xff00ff0000n, 0xff00000000n][lvl];
          if (tmask === undefined) {
            set(PSCI_RET.INVALID_PARAMETERS);
            break;
          }
          const taff = regs[1] & tmask;
          const on = d.vcpus.some((v) =>
            (BigInt(vcpuidToVaffinity(v.id)) & tmask) === taff && v.online
          );
          set(on ? 0 : 1); // AFFINITY_LEVEL_ON / OFF
          break;
        }
        case PSCI.FEATURES: {
          const f = Number(regs[1] & 0xffffffffn);
          const ok = [
            PSCI.VERSION,
            PSCI.CPU_SUSPEND32,
            PSCI.CPU_SUSPEND64,
            PSCI.CPU_OFF,
            PSCI.CPU_ON32,
            PSCI.CPU_ON64,
            PSCI.AFFINITY_INFO32,
            PSCI.AFFINITY_INFO64,
            PSCI.MIGRATE_INFO_TYPE,
            PSCI.SYSTEM_OFF,
            PSCI.SYSTEM_RESET,
            PSCI.FEATURES,
            SMCCC.VERSION,
          ] as number[];
          set(ok.includes(f) ? 0 : PSCI_RET.NOT_SUPPORTED);
          break;
        }
        case 0x8400ff00:
          set(3 + 10); // SSSC_SMCCC_FUNCTION_COUNT = 3 + VPSCI_NR_FUNCS
          break;
        case 0x8400ff01:
          SSSC_SMCCC_UID.forEach((w, i) => (regs[i] = BigInt(w >>> 0)));
          break;
        case 0x8400ff03:
          regs[0] = 0n;
          regs[1] = 1n;
          break;
        default:
          handled = false;
      }
      break;
    }
    default:
      handled = false;
  }
  if (!handled) {
    x.console.gprintk(XENLOG_INFO, `${d.name}v${cpu.vcpuId}`, "Unhandled SMC/HVC: %#x\n", fid);
    set(SMCCC.ERR_UNKNOWN_FUNCTION);
  }
  return eff;
}
