/**
 * Xen 4.17's EL2 exception handling for a guest (xen/arch/arm/traps.c): the `El2Handler` the
 * sim layer attaches to each of a domain's vCPUs.
 *
 * Stage-2 aborts (`do_trap_stage2_abort_guest`), by fault status code with the level bits masked:
 * - external abort (ISS.EA) → a virtual SError (`serrors=diverse`);
 * - permission fault → `p2m_mem_access_check` and return **without injecting**: the access is
 *   replayed (the CPU turns endless replays into `GuestLivelock`);
 * - translation fault → for an instruction abort or a data abort without a valid syndrome,
 *   `check_p2m` (which cannot fix a DT dom0's fault) then, instruction aborts, inject; Xen
 *   decodes only post-indexed LDR/STR when ISV = 0 (else "Unable to decode instruction" and
 *   inject); S1PTW → inject; cache maintenance on an emulated region → ignored; otherwise the
 *   MMIO handlers (vGIC, vUART) by address; no handler → inject (no IOREQ server, no
 *   read-as-ones policy in 4.17);
 * - any other code (access flag, address size, **alignment 0x21**, TLB conflict, …) →
 *   `d0v0 Unsupported FSC: HSR=%#016lx DFSC=%#x`, then inject.
 * Injection (`inject_abt64_exception`): ESR_EL1 = EC (0x25/0x21 from EL1, 0x24/0x20 from EL0) |
 * IL | ISS 0 — a kernel data abort reads 0x96000000 — and FAR_EL1 = the faulting VA.
 *
 * HVC/SMC (`do_trap_guest_sync`): `HVC #0` and SMCs → SMCCC/vPSCI (vsmc.ts); `HVC #0xEA1` →
 * hypercalls (hypercall.ts); any other HVC immediate → "Invalid HVC imm" and an undefined
 * instruction exception.
 *
 * @module
 */

import {
  type CpuPort,
  type El2Handler,
  GuestException,
  type HypercallTrap,
  type Stage2Abort,
  type TrapResult,
} from "../arch/arm64/port.ts";
import { XENLOG_ERR, XENLOG_WARNING } from "./console.ts";
import type { Domain } from "./domain.ts";
import { doHypercall, type HypercallOptions, type HypercallRecord } from "./hypercall.ts";
import type { DabtSize, MmioHandlers, MmioInfo } from "./io.ts";
import { type SmcEffect, vsmcccHandleCall } from "./vsmc.ts";
import { XEN_HYPERCALL_TAG } from "./xen_public.ts";
import type { XenCore } from "./xen_core.ts";

/** `FSC_FLT_TRANS`. */
const FSC_FLT_TRANS = 0x04;
/** `FSC_FLT_PERM`. */
const FSC_FLT_PERM = 0x0c;
/** `FSC_LL_MASK`. */
const FSC_LL_MASK = 0x03;
/** `HSR_EC_DATA_ABORT_CURR_EL` etc. (asm/processor.h). */
const EC_DABT_CUR = 0x25;
const EC_DABT_LOWER = 0x24;
const EC_IABT_CUR = 0x21;
const EC_IABT_LOWER = 0x20;

/** What happened at EL2 (for the summary and tests). */
export type TrapEvent =
  | {
    kind: "mmio";
    domid: number;
    vcpu: number;
    ipa: number;
    write: boolean;
    size: number;
    handler: string;
    value: bigint;
    ok: boolean;
  }
  | {
    kind: "inject";
    domid: number;
    vcpu: number;
    esr: number;
    far: number;
    ipa: number;
    reason: string;
  }
  | { kind: "replay"; domid: number; vcpu: number; ipa: number; reason: string }
  | { kind: "serror"; domid: number; vcpu: number; ipa: number }
  | { kind: "hypercall"; record: HypercallRecord }
  | { kind: "smc"; domid: number; vcpu: number; fid: number; effect: SmcEffect };

/** The EL2 handler of one domain. */
export class XenTraps implements El2Handler {
  /** Every trap handled, in order (bounded by `maxEvents`). */
  readonly events: TrapEvent[] = [];
  /** Event-log bound (oldest dropped beyond it). */
  maxEvents = 100_000;
  /** Called when PSCI CPU_ON brings a vCPU up (the sim starts that CPU). */
  onCpuOn?: (vcpu: number, entry: number, contextId: number) => void;

  /** A handler for `d`, with its MMIO handler table. */
  constructor(
    readonly x: XenCore,
    readonly d: Domain,
    readonly mmio: MmioHandlers,
    readonly opts: HypercallOptions = {},
  ) {}

  /** Records an event (bounded). */
  private push(e: TrapEvent): void {
    if (this.events.length >= this.maxEvents) this.events.shift();
    this.events.push(e);
  }

  /** `inject_abt_exception`: a data/prefetch abort into the guest. */
  private inject(cpu: CpuPort, a: Stage2Abort, reason: string): TrapResult {
    const isData = a.kind === "data";
    const fromEl1 = a.fromEl >= 1;
    const ec = isData
      ? (fromEl1 ? EC_DABT_CUR : EC_DABT_LOWER)
      : (fromEl1 ? EC_IABT_CUR : EC_IABT_LOWER);
    const il = (a.esr >>> 25) & 1;
    const esr = ((ec << 26) | (il << 25)) >>> 0;
    this.push({
      kind: "inject",
      domid: this.d.domid,
      vcpu: cpu.vcpuId,
      esr,
      far: a.far,
      ipa: a.ipa,
      reason,
    });
    return { action: "inject", esr, far: a.far };
  }

  /** `do_trap_stage2_abort_guest`: MMIO emulation, replay or injection. */
  stage2Abort(cpu: CpuPort, a: Stage2Abort): TrapResult {
    const vn = `${this.d.name}v${cpu.vcpuId}`;
    if ((a.iss >>> 9) & 1) {
      this.push({ kind: "serror", domid: this.d.domid, vcpu: cpu.vcpuId, ipa: a.ipa });
      return { action: "serror" };
    }
    const fsc = a.fsc & ~FSC_LL_MASK;
    const isData = a.kind === "data";
    if (fsc === FSC_FLT_PERM) {
      // p2m_mem_access_check: without mem_access, nothing to do; "reinjecting … is never required".
      this.push({
        kind: "replay",
        domid: this.d.domid,
        vcpu: cpu.vcpuId,
        ipa: a.ipa,
        reason: "stage-2 permission fault",
      });
      return { action: "retry" };
    }
    if (fsc !== FSC_FLT_TRANS) {
      this.x.console.gprintk(
        XENLOG_WARNING,
        vn,
        "Unsupported FSC: HSR=%#016lx DFSC=%#x\n",
        a.esr >>> 0,
        a.fsc,
      );
      return this.inject(cpu, a, `unsupported FSC 0x${a.fsc.toString(16)}`);
    }
    // Translation fault.
    if (!isData) return this.inject(cpu, a, "instruction abort on an unmapped IPA");
    let state: "valid" | "cache" | "error";
    if (a.isv) state = "valid";
    else if (a.s1ptw) state = "error";
    else if (a.cm) state = "cache";
    else if (/post/.test(a.insn)) state = "valid"; // decode_arm64: post-indexed LDR/STR
    else {
      this.x.console.addition(
        "decode",
        `${vn}: no instruction syndrome for ${a.insn}; Xen decodes only post-indexed LDR/STR`,
      );
      this.x.console.gprintk(XENLOG_ERR, vn, "Unable to decode instruction\n");
      state = "error";
    }
    if (state === "error") {
      return this.inject(
        cpu,
        a,
        a.s1ptw ? "stage-1 walk on an unmapped IPA" : "undecodable instruction",
      );
    }
    const h = this.mmio.find(a.ipa);
    if (!h) return this.inject(cpu, a, "no MMIO handler for the IPA");
    if (state === "cache") return { action: "complete" }; // cache maintenance on an emulated region
    const size = a.size >= 8 ? 3 : a.size >= 4 ? 2 : a.size >= 2 ? 1 : 0;
    const info: MmioInfo = {
      gpa: a.ipa,
      size: size as DabtSize,
      reg: a.srt,
      write: a.write,
      sign: ((a.iss >>> 21) & 1) === 1,
      vcpu: cpu.vcpuId,
    };
    if (a.write) {
      let v = 0n;
      const d = a.storeData ?? new Uint8Array(a.size);
      for (let i = Math.min(d.length, 8) - 1; i >= 0; i--) v = (v << 8n) | BigInt(d[i]);
      const ok = h.write(info, v);
      this.push({
        kind: "mmio",
        domid: this.d.domid,
        vcpu: cpu.vcpuId,
        ipa: a.ipa,
        write: true,
        size: a.size,
        handler: h.name,
        value: v,
        ok,
      });
      return ok ? { action: "complete" } : this.inject(cpu, a, `${h.name} refused the write`);
    }
    const r = h.read(info);
    this.push({
      kind: "mmio",
      domid: this.d.domid,
      vcpu: cpu.vcpuId,
      ipa: a.ipa,
      write: false,
      size: a.size,
      handler: h.name,
      value: r ?? 0n,
      ok: r !== null,
    });
    if (r === null) return this.inject(cpu, a, `${h.name} refused the read`);
    const out = new Uint8Array(a.size);
    let v = r;
    for (let i = 0; i < a.size; i++) {
      out[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return { action: "complete", data: out };
  }

  /** `do_trap_hvc` / `do_trap_smc`: vPSCI/SMCCC or a Xen hypercall. */
  hypercall(cpu: CpuPort, call: HypercallTrap): void {
    if (call.kind === "smc" || call.imm === 0) {
      const fid = Number(cpu.regs[0] & 0xffffffffn);
      const effect = vsmcccHandleCall(this.x, this.d, cpu);
      this.push({ kind: "smc", domid: this.d.domid, vcpu: cpu.vcpuId, fid, effect });
      if (effect.cpuOn) {
        this.onCpuOn?.(effect.cpuOn.vcpu, effect.cpuOn.entry, effect.cpuOn.contextId);
      }
      return;
    }
    if (call.imm !== XEN_HYPERCALL_TAG) {
      this.x.console.gprintk(
        XENLOG_WARNING,
        `${this.d.name}v${cpu.vcpuId}`,
        "Invalid HVC imm 0x%x\n",
        call.imm,
      );
      // inject_undef_exception: EC 0 (unknown reason), IL set.
      throw new GuestException({ esr: 0x02000000, ec: 0, iss: 0, fsc: -1, far: 0 });
    }
    const record = doHypercall(this.x, this.d, cpu, this.opts);
    this.push({ kind: "hypercall", record });
    this.x.afterHypercall?.(record);
  }
}
