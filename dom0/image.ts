/**
 * The arm64 kernel Image header (Documentation/arm64/booting.rst §4), for the sim layer's default
 * kernel module. dom0 reads `image_size` from the header at its entry point to know where its
 * image ends (`_end`: .bss and the early page tables live there); without a valid header it
 * assumes Debian 6.1's 0x2010000 bytes.
 *
 * @module
 */

import { ARM64_IMAGE_MAGIC, DEFAULT_IMAGE_SIZE } from "./setup.ts";

export { ARM64_IMAGE_MAGIC, DEFAULT_IMAGE_SIZE };

/** Options of {@link makeImageHeader}. */
export interface ImageHeaderOptions {
  /** `image_size`: the in-memory size including .bss (default 0x2010000, Debian 6.1's). */
  imageSize?: number;
  /** `text_offset` (0 since v5.10). */
  textOffset?: number;
  /**
   * Length of the returned file (≥ 64; default 4096). Debian 6.1's Image is 0x1f6dfc0 bytes,
   * which is what Xen's "Loading zImage ..." line shows in the golden runs.
   */
  fileSize?: number;
}

/**
 * An Image file: the 64-byte header (`b` over the header, text_offset, image_size, flags =
 * little-endian + 4 KiB pages + anywhere in RAM, magic "ARM\x64") followed by zeros.
 *
 * @example
 * ```ts
 * import { makeImageHeader } from "./image.ts";
 * const img = makeImageHeader({ fileSize: 64 });
 * console.assert(new DataView(img.buffer).getUint32(56, true) === 0x644d5241);
 * ```
 */
export function makeImageHeader(opts: ImageHeaderOptions = {}): Uint8Array {
  const size = Math.max(64, opts.fileSize ?? 4096);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x14000010, true); // b #0x40 (code0: branch past the header)
  dv.setBigUint64(8, BigInt(opts.textOffset ?? 0), true);
  dv.setBigUint64(16, BigInt(opts.imageSize ?? DEFAULT_IMAGE_SIZE), true);
  dv.setBigUint64(24, 0b1010n, true); // LE, 4K pages (bits 2:1 = 01), anywhere (bit 3)
  dv.setUint32(56, ARM64_IMAGE_MAGIC, true);
  return out;
}
