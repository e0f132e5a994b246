/**
 * How a workload reaches dom0: inside the initrd, as a real initramfs.
 *
 * The initrd is a `newc` cpio archive (the format Linux's init/initramfs.c unpacks; magic
 * "070701", 13 eight-digit hex fields, name and data each padded to 4 bytes, a "TRAILER!!!"
 * entry). It holds one file, `/init`, whose content is
 *
 * ```
 * #!/dom0sim/workload
 * { ...JSON scenario (see workload.ts) ... }
 * ```
 *
 * The sim layer calls {@link encodeInitrd} and hands the bytes to Xen as the ramdisk module;
 * Xen loads them into dom0's RAM and patches `linux,initrd-start/end`; dom0 reads them back from
 * its own memory at boot (`populate_rootfs`) and runs `/init`. An initrd that is a cpio without
 * such an `/init` (e.g. a real busybox initramfs) runs the default workload; bytes that are not a
 * cpio archive make dom0 print Linux's "Initramfs unpacking failed: invalid magic at start of
 * compressed archive" and run the default workload as well (compressed archives are not
 * decompressed by the model: they run the default workload silently).
 *
 * @module
 */

import { InputError } from "../errors.ts";
import type { Scenario } from "./workload.ts";

/** The first line of a workload `/init`. */
export const WORKLOAD_SHEBANG = "#!/dom0sim/workload\n";

const MAGIC = "070701";
const enc = new TextEncoder();
const dec = new TextDecoder();

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function hdr(fields: number[]): string {
  return MAGIC + fields.map((f) => (f >>> 0).toString(16).toUpperCase().padStart(8, "0")).join(
    "",
  );
}

function entry(name: string, data: Uint8Array, mode: number, ino: number): Uint8Array {
  const nameBytes = enc.encode(name + "\0");
  // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
  const h = enc.encode(hdr([ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0]));
  const out = new Uint8Array(
    h.length + nameBytes.length + pad4(h.length + nameBytes.length) + data.length +
      pad4(data.length),
  );
  out.set(h, 0);
  out.set(nameBytes, h.length);
  out.set(data, h.length + nameBytes.length + pad4(h.length + nameBytes.length));
  return out;
}

/**
 * Build the initrd carrying `workload` (a scenario object or a built-in name).
 *
 * @example
 * ```ts
 * import { decodeInitrdWorkload, encodeInitrd } from "./initrd.ts";
 * const rd = encodeInitrd("sram-memset");
 * console.assert(decodeInitrdWorkload(rd)?.kind === "builtin");
 * ```
 */
export function encodeInitrd(workload: Scenario | string): Uint8Array {
  const body = typeof workload === "string"
    ? JSON.stringify({ builtin: workload })
    : JSON.stringify(workload);
  const init = enc.encode(WORKLOAD_SHEBANG + body + "\n");
  const parts = [
    entry("init", init, 0o100755, 1),
    entry("TRAILER!!!", new Uint8Array(0), 0, 0),
  ];
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(Math.ceil(total / 512) * 512);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** What an initrd told dom0 to run. */
export type InitrdWorkload =
  | { kind: "builtin"; name: string }
  | { kind: "scenario"; scenario: unknown }
  | { kind: "none"; reason: "not-cpio" | "compressed" | "no-workload" };

/** One cpio entry as read: name, data offset and size inside the archive. */
export interface CpioEntry {
  /** File name. */
  name: string;
  /** Offset of the data in the archive. */
  dataOff: number;
  /** Size of the data. */
  size: number;
}

/**
 * Walk a newc archive through `read(off, n)` (which returns the bytes at that offset), stopping
 * at the trailer or at the first malformed header. Returns null when the archive does not start
 * with the newc magic.
 */
export function cpioEntries(
  read: (off: number, n: number) => Uint8Array,
  total: number,
): CpioEntry[] | null {
  const out: CpioEntry[] = [];
  let off = 0;
  while (off + 110 <= total) {
    const h = dec.decode(read(off, 110));
    if (!h.startsWith(MAGIC) && !h.startsWith("070702")) return out.length ? out : null;
    const field = (i: number) => parseInt(h.slice(6 + 8 * i, 14 + 8 * i), 16);
    const size = field(6), namesize = field(11);
    if (!Number.isFinite(size) || !Number.isFinite(namesize) || namesize < 1) break;
    const name = dec.decode(read(off + 110, namesize - 1));
    const dataOff = off + 110 + namesize + pad4(110 + namesize);
    if (name === "TRAILER!!!") break;
    out.push({ name, dataOff, size });
    off = dataOff + size + pad4(size);
  }
  return out;
}

/** Classify an initrd from its first bytes and, for a cpio, its `/init`. */
export function decodeInitrdWorkload(bytes: Uint8Array): InitrdWorkload | null {
  return classifyInitrd((o, n) => bytes.subarray(o, o + n), bytes.length);
}

/** {@link decodeInitrdWorkload} over a reader (dom0 reads its own memory this way). */
export function classifyInitrd(
  read: (off: number, n: number) => Uint8Array,
  total: number,
): InitrdWorkload {
  if (total >= 2) {
    const m = read(0, 2);
    if ((m[0] === 0x1f && m[1] === 0x8b) || (m[0] === 0xfd && m[1] === 0x37)) {
      return { kind: "none", reason: "compressed" };
    }
  }
  const entries = cpioEntries(read, total);
  if (!entries) return { kind: "none", reason: "not-cpio" };
  const init = entries.find((e) => e.name === "init" || e.name === "./init");
  if (!init) return { kind: "none", reason: "no-workload" };
  const text = dec.decode(read(init.dataOff, init.size));
  if (!text.startsWith(WORKLOAD_SHEBANG)) return { kind: "none", reason: "no-workload" };
  let json: unknown;
  try {
    json = JSON.parse(text.slice(WORKLOAD_SHEBANG.length));
  } catch (e) {
    throw new InputError("initrd:/init", `workload is not valid JSON: ${(e as Error).message}`);
  }
  if (json && typeof json === "object" && "builtin" in json) {
    return { kind: "builtin", name: String((json as { builtin: unknown }).builtin) };
  }
  return { kind: "scenario", scenario: json };
}
