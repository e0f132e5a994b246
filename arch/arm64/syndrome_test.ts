import assert from "node:assert/strict";
import {
  dcTrapIss,
  decodeEsr,
  decodeHpfar,
  EC,
  ecName,
  encodeDataAbortIss,
  encodeEsr,
  encodeHpfar,
  FSC,
  fscFor,
  fscKind,
  fscName,
  makeSyndrome,
} from "./syndrome.ts";

Deno.test("fscName() returns the names Linux 6.1 fault_info[] prints", () => {
  assert.equal(fscName(0x21), "alignment fault");
  assert.equal(fscName(0x07), "level 3 translation fault");
  assert.equal(fscName(0x04), "level 0 translation fault");
  assert.equal(fscName(0x00), "ttbr address size fault");
  assert.equal(fscName(0x0f), "level 3 permission fault");
  assert.equal(fscName(0x0b), "level 3 access flag fault");
  assert.equal(fscName(0x10), "synchronous external abort");
  assert.equal(fscName(0x15), "level 1 (translation table walk)");
  assert.equal(fscName(0x35), "implementation fault (unsupported exclusive)");
  assert.equal(fscName(0x08), "unknown 8");
});

Deno.test("ecName() returns Linux 6.1 esr_class_str[] names", () => {
  assert.equal(ecName(EC.DABT_CUR), "DABT (current EL)");
  assert.equal(ecName(EC.DABT_LOW), "DABT (lower EL)");
  assert.equal(ecName(EC.IABT_CUR), "IABT (current EL)");
  assert.equal(ecName(EC.SYS64), "MSR/MRS (AArch64)");
  assert.equal(ecName(EC.HVC64), "HVC (AArch64)");
  assert.equal(ecName(EC.SERROR), "SError");
  assert.equal(ecName(0x3f), "UNRECOGNIZED EC");
});

Deno.test("encodeEsr() builds the ESR Linux prints for a kernel write translation fault", () => {
  // "ESR = 0x96000046": DABT (current EL), IL, WnR, level 2 translation fault
  const esr = encodeEsr(
    EC.DABT_CUR,
    encodeDataAbortIss({ wnr: true, dfsc: fscFor("translation", 2) }),
  );
  assert.equal(esr, 0x96000046);
  const d = decodeEsr(esr);
  assert.equal(d.ecName, "DABT (current EL)");
  assert.equal(d.wnr, true);
  assert.equal(d.isv, false);
  assert.equal(d.fscName, "level 2 translation fault");
});

Deno.test("encodeDataAbortIss() encodes ISV, SAS, SRT, SF, AR for an emulable access", () => {
  const iss = encodeDataAbortIss({
    isv: true,
    size: 4,
    srt: 3,
    sf: false,
    ar: true,
    wnr: false,
    dfsc: 0x07,
  });
  const d = decodeEsr(encodeEsr(EC.DABT_LOW, iss));
  assert.equal(d.isv, true);
  assert.equal(d.size, 4);
  assert.equal(d.srt, 3);
  assert.equal(d.ar, true);
  assert.equal(d.sf, false);
  assert.equal(d.fsc, 0x07);
  assert.equal(
    encodeEsr(EC.DABT_LOW, encodeDataAbortIss({ isv: true, size: 8, sf: true, dfsc: 4 })),
    0x93c08004,
  );
});

Deno.test("encodeDataAbortIss() sets CM and WnR for cache maintenance and S1PTW for walks", () => {
  const d = decodeEsr(
    encodeEsr(EC.DABT_LOW, encodeDataAbortIss({ cm: true, wnr: true, s1ptw: true, dfsc: 0x0e })),
  );
  assert.equal(d.cm, true);
  assert.equal(d.wnr, true);
  assert.equal(d.s1ptw, true);
  assert.equal(d.fscName, "level 2 permission fault");
});

Deno.test("dcTrapIss() encodes DC ZVA as op0 1, op1 3, CRn 7, CRm 4, op2 1", () => {
  // ISS = Op0<<20 | Op2<<17 | Op1<<14 | CRn<<10 | Rt<<5 | CRm<<1 | dir
  assert.equal(
    dcTrapIss("zva", 2),
    (1 << 20) | (1 << 17) | (3 << 14) | (7 << 10) | (2 << 5) | (4 << 1),
  );
  assert.throws(() => dcTrapIss("zap"), RangeError);
});

Deno.test("fscFor() and fscKind() map kinds and levels to codes both ways", () => {
  assert.equal(fscFor("alignment"), FSC.ALIGNMENT);
  assert.equal(fscFor("walk-external", 3), 0x17);
  assert.deepEqual(fscKind(0x0e), { kind: "permission", level: 2 });
  assert.deepEqual(fscKind(0x35), { kind: "exclusive", level: 0 });
  assert.equal(fscKind(0x30), undefined);
});

Deno.test("encodeHpfar() holds FIPA[47:12] in bits [43:4]", () => {
  assert.equal(encodeHpfar(0x9000123), 0x90000n);
  assert.equal(decodeHpfar(0x90000n), 0x9000000);
  const s = makeSyndrome(0x93c08004, 0x1234, 0x9000000);
  assert.equal(s.ec, EC.DABT_LOW);
  assert.equal(s.fsc, 4);
  assert.equal(s.hpfar, 0x9000000);
});
