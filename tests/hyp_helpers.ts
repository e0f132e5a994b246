// Shared helpers for the hypervisor test suites (not a test file itself).

import type { CpuPort, SysReg } from "../arch/arm64/port.ts";
import { readDtb } from "../dt/dtb_read.ts";
import { SparseMemory } from "../hyp/machine.ts";
import { bootXen, type XenBootOptions, type XenInstance } from "../hyp/xen.ts";
import { readFileSync } from "node:fs";

/**
 * A 64-byte arm64 Image header (Linux Documentation/arm64/booting.rst): `text_offset` at 8,
 * `image_size` at 16, magic "ARM\x64" at 0x38.
 */
export function kernelImageHeader(textOffset: number, imageSize = 0x2010000): Uint8Array {
  const h = new Uint8Array(64);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, 0x91005a4d, true); // "MZ" + add instruction, as Linux emits
  dv.setUint32(8, textOffset, true);
  dv.setUint32(16, imageSize, true);
  dv.setUint32(0x38, 0x644d5241, true);
  return h;
}

/**
 * A CPU stand-in for hypercall and trap tests: registers and system registers only (the MMU is
 * off unless SCTLR_EL1 is set, so guest VAs are IPAs); memory instructions are not used here.
 */
export class RegsCpu implements CpuPort {
  readonly regs = new BigUint64Array(31);
  el: 0 | 1 | 2 = 1;
  private readonly sys = new Map<SysReg, bigint>();
  constructor(readonly vcpuId = 0) {}
  msr(reg: SysReg, value: bigint): void {
    this.sys.set(reg, value);
  }
  mrs(reg: SysReg): bigint {
    return this.sys.get(reg) ?? 0n;
  }
  private no(): never {
    throw new Error("RegsCpu: memory instructions are not modelled");
  }
  load(): void {
    this.no();
  }
  store(): void {
    this.no();
  }
  ldp(): void {
    this.no();
  }
  stp(): void {
    this.no();
  }
  dcZva(): void {
    this.no();
  }
  dc(): void {
    this.no();
  }
  ldxr(): void {
    this.no();
  }
  stxr(): number {
    this.no();
  }
  atomic(): bigint {
    this.no();
  }
  fetch(): void {
    this.no();
  }
  hvc(): void {
    this.no();
  }
  smc(): void {
    this.no();
  }
  read8(): number {
    this.no();
  }
  read16(): number {
    this.no();
  }
  read32(): number {
    this.no();
  }
  read64(): bigint {
    this.no();
  }
  write8(): void {
    this.no();
  }
  write16(): void {
    this.no();
  }
  write32(): void {
    this.no();
  }
  write64(): void {
    this.no();
  }
  tlbiEl1(): void {}
  tlbiStage2(): void {}
}

/** The golden QEMU virt GICv3 input. */
export const GOLDEN: string = new URL("./fixtures/golden", import.meta.url).pathname;

/** Boot the model on a recorded xen-input.dtb with a minimal Image at the kernel module. */
export function bootDir(
  dir: string,
  o: Partial<XenBootOptions> = {},
): { xen: XenInstance; mem: SparseMemory } {
  const dtb = new Uint8Array(readFileSync(`${dir}/xen-input.dtb`));
  const tree = readDtb(dtb, "xen-input.dtb");
  const mem = new SparseMemory();
  for (const m of tree.lookup("/chosen")?.children ?? []) {
    if (!m.compatible().includes("multiboot,kernel")) continue;
    mem.write(m.prop("reg")!.u32(1), kernelImageHeader(0));
  }
  const xen = bootXen({ mem }, { hostDtb: dtb, hostDtbFile: `${dir}/xen-input.dtb`, ...o });
  return { xen, mem };
}
