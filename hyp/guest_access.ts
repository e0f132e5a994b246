/**
 * Xen reading and writing guest memory for hypercalls (`copy_from_guest`/`copy_to_guest`,
 * xen/arch/arm/guestcopy.c → `get_page_from_gva`): the guest virtual address goes through the
 * guest's stage 1 (here a software walk of its tables, as Xen's `guest_walk_tables` does in
 * xen/arch/arm/guest_walk.c; on hardware Xen uses `AT S12E1R/W`) and the domain's p2m, and the
 * page must be RAM the domain owns (`get_page`): MMIO, grant or foreign pages, unmapped
 * addresses and stage-1 write protection give `-EFAULT`.
 *
 * Stage-1 support: 4 KiB granule (TG0 = 0, TG1 = 2), 48-bit and smaller VA ranges through
 * TTBR0/TTBR1 (T0SZ/T1SZ, EPD0/EPD1), table/block/page descriptors, AP[2] write protection.
 * With SCTLR_EL1.M = 0 the VA is the IPA.
 *
 * @module
 */

import type { CpuPort } from "../arch/arm64/port.ts";
import type { Domain } from "./domain.ts";
import type { HostMemory } from "./machine.ts";
import { PAGE_SIZE } from "./page_alloc.ts";

/** Result of a translation: the machine address, or a failure. */
export type GuestXlate = { ok: true; ma: number; ipa: number } | { ok: false; why: string };

function rd64(mem: HostMemory, d: Domain, ipa: number): [number, number] | undefined {
  const l = d.p2m.lookup(Math.floor(ipa / PAGE_SIZE));
  if (l.mfn < 0 || !l.entry?.read) return undefined;
  const ma = l.mfn * PAGE_SIZE + (ipa % PAGE_SIZE);
  return [mem.readU32(ma), mem.readU32(ma + 4)];
}

/**
 * Translate a guest VA for Xen's access (`gvirt_to_maddr` + `get_page` checks): stage 1 from the
 * vCPU's EL1 registers, then stage 2; the final page must be the domain's RAM.
 */
export function guestVaToMa(
  cpu: CpuPort,
  d: Domain,
  mem: HostMemory,
  va: number,
  write: boolean,
): GuestXlate {
  const sctlr = cpu.mrs("SCTLR_EL1");
  let ipa: number;
  if ((sctlr & 1n) === 0n) ipa = va;
  else {
    const tcr = cpu.mrs("TCR_EL1");
    const upper = va < 0;
    const tsz = Number(upper ? (tcr >> 16n) & 0x3fn : tcr & 0x3fn);
    const epd = upper ? (tcr >> 23n) & 1n : (tcr >> 7n) & 1n;
    const tg = Number(upper ? (tcr >> 30n) & 3n : (tcr >> 14n) & 3n);
    if (epd) return { ok: false, why: "stage-1 walk disabled (EPD)" };
    if ((upper && tg !== 2) || (!upper && tg !== 0)) return { ok: false, why: "granule not 4 KiB" };
    const inputSize = 64 - tsz;
    const vaBits = upper ? va + 2 ** inputSize : va; // offset within the range (va < 0 for TTBR1)
    if (vaBits < 0 || vaBits >= 2 ** inputSize) {
      return { ok: false, why: "VA outside the translation range" };
    }
    const ttbr = cpu.mrs(upper ? "TTBR1_EL1" : "TTBR0_EL1");
    let table = Number(ttbr & 0x0000fffffffffffen) & ~0xfff;
    let level = 4 - Math.ceil((inputSize - 12) / 9);
    let readOnly = false;
    for (;;) {
      const shift = 12 + 9 * (3 - level);
      const idx = Math.floor(vaBits / 2 ** shift) % 512;
      const d64 = rd64(mem, d, table + idx * 8);
      if (!d64) return { ok: false, why: "stage-1 table not readable through stage 2" };
      const [lo, hi] = d64;
      if (!(lo & 1)) return { ok: false, why: `stage-1 translation fault, level ${level}` };
      const oa = (hi & 0xffff) * 0x100000000 + ((lo & 0xfffff000) >>> 0);
      if (level < 3 && lo & 2) {
        table = oa;
        level++;
        continue;
      }
      if (level === 3 && !(lo & 2)) {
        return { ok: false, why: "stage-1 reserved descriptor at level 3" };
      }
      if (level === 0) return { ok: false, why: "stage-1 block at level 0" };
      if (lo & 0x80) readOnly = true; // AP[2]
      const blockSize = 2 ** shift;
      ipa = Math.floor(oa / blockSize) * blockSize + (vaBits % blockSize);
      break;
    }
    if (write && readOnly) return { ok: false, why: "stage-1 write permission" };
  }
  const l = d.p2m.lookup(Math.floor(ipa / PAGE_SIZE));
  if (l.mfn < 0 || !l.entry) return { ok: false, why: "stage-2 translation fault" };
  if (l.type !== "p2m_ram_rw" && l.type !== "p2m_ram_ro") {
    return { ok: false, why: `not the domain's RAM (${l.type})` };
  }
  if (write && !l.entry.write) return { ok: false, why: "stage-2 write permission" };
  if (!d.ownedPages.contains(l.mfn)) return { ok: false, why: "page not owned by the domain" };
  return { ok: true, ma: l.mfn * PAGE_SIZE + (ipa % PAGE_SIZE), ipa };
}

/** `copy_from_guest`: `len` bytes at guest VA `va`, or undefined (-EFAULT). */
export function copyFromGuest(
  cpu: CpuPort,
  d: Domain,
  mem: HostMemory,
  va: number,
  len: number,
): Uint8Array | undefined {
  const out = new Uint8Array(len);
  let off = 0;
  while (off < len) {
    const a = va + off;
    const inPage = PAGE_SIZE - (((a % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE);
    const n = Math.min(inPage, len - off);
    const t = guestVaToMa(cpu, d, mem, a, false);
    if (!t.ok) return undefined;
    out.set(mem.read(t.ma, n), off);
    off += n;
  }
  return out;
}

/** `copy_to_guest`: write `data` at guest VA `va`; false on a fault (-EFAULT). */
export function copyToGuest(
  cpu: CpuPort,
  d: Domain,
  mem: HostMemory,
  va: number,
  data: Uint8Array,
): boolean {
  let off = 0;
  while (off < data.length) {
    const a = va + off;
    const inPage = PAGE_SIZE - (((a % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE);
    const n = Math.min(inPage, data.length - off);
    const t = guestVaToMa(cpu, d, mem, a, true);
    if (!t.ok) return false;
    mem.write(t.ma, data.subarray(off, off + n));
    off += n;
  }
  return true;
}
