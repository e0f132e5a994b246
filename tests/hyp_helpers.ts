// Shared helpers for the hypervisor test suites (not a test file itself).

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
