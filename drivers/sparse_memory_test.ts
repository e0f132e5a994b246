import assert from "node:assert/strict";
import { SparseMemory } from "./sparse_memory.ts";

Deno.test("SparseMemory reads untouched pages as zero without allocating them", () => {
  const m = new SparseMemory(1 << 30);
  assert.deepEqual([...m.read(0x12345, 8)], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(m.read32(0x3ff0_0000), 0);
  assert.equal(m.pageForRead(0x1000), null);
  assert.equal(m.allocatedPages, 0);
});

Deno.test("SparseMemory.writeFrom() allocates pages on first write and spans page boundaries", () => {
  const m = new SparseMemory(0x10000);
  m.writeFrom(0xffe, 4, new Uint8Array([1, 2, 3, 4]));
  assert.equal(m.allocatedPages, 2);
  assert.deepEqual([...m.read(0xffd, 6)], [0, 1, 2, 3, 4, 0]);
  m.write64(0x2000, 0x1122334455667788n);
  assert.equal(m.read64(0x2000), 0x1122334455667788n);
  assert.equal(m.read32(0x2004), 0x11223344);
  assert.deepEqual(m.allocatedOffsets(), [0x0, 0x1000, 0x2000]);
});

Deno.test("SparseMemory.fill() with zero allocates nothing and zeroes existing pages in place", () => {
  const m = new SparseMemory(0x10000);
  m.fill(0x8000, 0x8000, 0);
  assert.equal(m.allocatedPages, 0);
  m.fill(0, 0x3000, 0xaa);
  assert.equal(m.allocatedPages, 3);
  const page1 = m.pageForRead(0x1000);
  assert.equal(m.read32(0x2ffc), 0xaaaaaaaa);
  m.fill(0x800, 0x2000, 0);
  assert.equal(m.pageForRead(0x1000), page1); // same array: TLB references stay valid
  assert.equal(page1![0], 0);
  assert.equal(m.read32(0x7fc), 0xaaaaaaaa);
  assert.equal(m.read32(0x800), 0);
  assert.equal(m.read32(0x2800), 0xaaaaaaaa);
});

Deno.test("SparseMemory.copyFrom() copies pages, skips untouched ones and handles overlap", () => {
  const a = new SparseMemory(32 << 20);
  const b = new SparseMemory(64 << 20);
  a.write32(0x10, 0xdeadbeef);
  a.write32((32 << 20) - 4, 0xcafef00d);
  b.fill(0x100000, 0x1000, 0x55);
  b.copyFrom(a, 0, 0x100000, 32 << 20);
  assert.equal(b.read32(0x100010), 0xdeadbeef);
  assert.equal(b.read32(0x100000 + (32 << 20) - 4), 0xcafef00d);
  assert.equal(b.read32(0x100020), 0); // the 0x55 fill was overwritten by source page 0
  assert.equal(b.allocatedPages, 2); // untouched source pages allocate nothing
  // overlapping move inside one memory
  const m = new SparseMemory(0x10000);
  m.writeFrom(0, 8, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  m.copyFrom(m, 0, 2, 8);
  assert.deepEqual([...m.read(0, 10)], [1, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
});

Deno.test("SparseMemory refuses ranges outside its size", () => {
  const m = new SparseMemory(0x1000);
  assert.throws(() => m.read(0xffc, 8), RangeError);
  assert.throws(() => new SparseMemory(0), RangeError);
});

Deno.test("SparseMemory.writeFrom() of zero bytes to untouched pages allocates nothing", () => {
  const m = new SparseMemory(0x100000);
  const img = new Uint8Array(0x5000);
  img[0x2001] = 7; // one non-zero byte in the third page
  m.writeFrom(0x10000, img.length, img);
  assert.equal(m.allocatedPages, 1);
  assert.deepEqual(m.allocatedOffsets(), [0x12000]);
  assert.equal(m.read32(0x12000), 0x700);
  // Zeros over a page that exists still overwrite it.
  m.writeFrom(0x12000, 4, new Uint8Array(4));
  assert.equal(m.read32(0x12000), 0);
  assert.equal(m.allocatedPages, 1);
  // Unaligned source offsets take the byte-wise check.
  const odd = new Uint8Array(0x1001);
  odd[0x1000] = 1;
  m.writeFrom(0x20000, 0x1000, odd, 1);
  assert.equal(m.allocatedPages, 2);
  assert.equal(m.read32(0x20ffc), 0x01000000);
});

Deno.test("SparseMemory of 4 GiB and of 1 TiB: pages anywhere, listed in address order", () => {
  for (const size of [2 ** 32, 2 ** 40]) {
    const m = new SparseMemory(size);
    m.write32(size - 4, 0xfeedface);
    m.write32(0x1000, 1);
    m.write32(0x7fff_f000, 2);
    assert.equal(m.read32(size - 4), 0xfeedface);
    assert.equal(m.read32(0x7fff_f000), 2);
    assert.deepEqual(m.allocatedOffsets(), [0x1000, 0x7fff_f000, size - 4096]);
    assert.equal(m.pageForRead(0x2000_0000), null);
  }
});
