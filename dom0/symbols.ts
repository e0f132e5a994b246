/**
 * Symbolization for call traces (`%pS`: `name+0xoff/0xsize`). dom0 has no vmlinux: symbol sizes
 * are the model's estimates of arm64 6.1 code, and the offset of the innermost frame is where the
 * model places the faulting instruction class inside the routine (e.g. the `dc zva` loop of
 * `__memset`). Names are exact; offsets are indicative only.
 *
 * @module
 */

import type { InsnClass } from "./access.ts";

interface Sym {
  size: number;
  pc?: Partial<Record<InsnClass, number>>;
}

const SYMS: Record<string, Sym> = {
  "__memcpy": { size: 0x230, pc: { ldr: 0x48, str: 0x50, ldp: 0x100, stp: 0x134 } },
  "__memmove": { size: 0x230, pc: { ldr: 0x48, str: 0x50, ldp: 0x100, stp: 0x134 } },
  "__memset": { size: 0x188, pc: { str: 0x20, stp: 0x98, "dc zva": 0x160 } },
  "clear_page": { size: 0x60, pc: { "dc zva": 0x18, stp: 0x2c } },
  "__memcpy_toio": { size: 0xc4, pc: { ldr: 0x50, str: 0x58 } },
  "__memcpy_fromio": { size: 0xc4, pc: { ldr: 0x50, str: 0x58 } },
  "__memset_io": { size: 0xa8, pc: { str: 0x54 } },
  "sram_write": { size: 0x64 },
  "sram_read": { size: 0x64 },
  "sysfs_kf_bin_write": { size: 0xa4 },
  "sysfs_kf_bin_read": { size: 0xac },
  "kernfs_fop_write_iter": { size: 0x134 },
  "kernfs_fop_read_iter": { size: 0x1c0 },
  "vfs_write": { size: 0x2a4 },
  "vfs_read": { size: 0x1bc },
  "ksys_write": { size: 0xf0 },
  "ksys_read": { size: 0xf0 },
  "__arm64_sys_write": { size: 0x24 },
  "__arm64_sys_read": { size: 0x24 },
  "invoke_syscall": { size: 0x100 },
  "el0_svc_common.constprop.0": { size: 0xf4 },
  "do_el0_svc": { size: 0x30 },
  "el0_svc": { size: 0x34 },
  "el0t_64_sync_handler": { size: 0x140 },
  "el0t_64_sync": { size: 0x190 },
  "raw_sram_ioctl": { size: 0x1e0 },
  "__arm64_sys_ioctl": { size: 0xb0 },
  "really_probe": { size: 0x1b8 },
  "platform_probe": { size: 0x70 },
  "sram_probe": { size: 0x2d0 },
  "kernel_init": { size: 0x134 },
  "ret_from_fork": { size: 0x10 },
  "start_kernel": { size: 0x6a4 },
};

/** `name+0xoff/0xsize` for a frame; `insn` selects the faulting-instruction offset. */
export function symbolize(name: string, insn?: InsnClass): string {
  const s = SYMS[name] ?? { size: 0x100 };
  let off = insn && s.pc?.[insn] !== undefined ? s.pc[insn]! : Math.floor(s.size / 8) * 4;
  if (off >= s.size) off = s.size - 4;
  return `${name}+0x${off.toString(16)}/0x${s.size.toString(16)}`;
}

/** The `Call trace:` body for a routine stack (outermost first in `stack`), innermost first. */
export function callTraceLines(stack: readonly string[], insn?: InsnClass): string[] {
  const out: string[] = [];
  for (let i = stack.length - 1; i >= 0; i--) {
    if (stack[i] === "kernel") continue;
    out.push(" " + symbolize(stack[i], i === stack.length - 1 ? insn : undefined));
  }
  return out;
}
