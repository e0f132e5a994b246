/**
 * The subset of C `printf` formatting Xen's `printk` uses (xen/common/vsprintf.c), so that log
 * lines can be produced from Xen's own format strings: flags `#`, `0`, `-`, `+`, space; a field
 * width (or `*`); a precision; length modifiers `l`, `ll`, `h`, `z` (accepted, ignored: values
 * are JavaScript numbers or bigints); conversions `d i u x X o s c %`. Xen's `%pd`/`%pv`
 * extensions print a domain (`d0`) or a vCPU (`d0v1`) given as a string argument.
 *
 * `%#016lx` is "0x" plus 14 digits (the `#` prefix counts towards the width), exactly as in C.
 *
 * @module
 */

/** A printf argument. Negative numbers print as two's-complement 64-bit for `%x`/`%u`. */
export type PrintfArg = number | bigint | string;

const TWO64 = 1n << 64n;

function toBig(v: PrintfArg): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(Math.trunc(v));
  return BigInt(v.length);
}

/**
 * Format like C `snprintf` (without a size limit).
 *
 * @example
 * ```ts
 * import { xsprintf } from "./vsprintf.ts";
 * console.assert(xsprintf("BANK[%d] %#016lx", 0, 0x60000000) === "BANK[0] 0x00000060000000");
 * ```
 */
export function xsprintf(fmt: string, ...args: PrintfArg[]): string {
  let out = "";
  let ai = 0;
  let i = 0;
  const n = fmt.length;
  while (i < n) {
    const c = fmt[i];
    if (c !== "%") {
      const next = fmt.indexOf("%", i);
      const end = next < 0 ? n : next;
      out += fmt.slice(i, end);
      i = end;
      continue;
    }
    i++;
    if (fmt[i] === "%") {
      out += "%";
      i++;
      continue;
    }
    let alt = false, zero = false, left = false, plus = false, space = false;
    for (;;) {
      const f = fmt[i];
      if (f === "#") alt = true;
      else if (f === "0") zero = true;
      else if (f === "-") left = true;
      else if (f === "+") plus = true;
      else if (f === " ") space = true;
      else break;
      i++;
    }
    let width = 0;
    if (fmt[i] === "*") {
      width = Number(args[ai++] ?? 0);
      i++;
    } else {
      while (fmt[i] >= "0" && fmt[i] <= "9") width = width * 10 + (fmt.charCodeAt(i++) - 48);
    }
    let prec = -1;
    if (fmt[i] === ".") {
      i++;
      prec = 0;
      if (fmt[i] === "*") {
        prec = Number(args[ai++] ?? 0);
        i++;
      } else {
        while (fmt[i] >= "0" && fmt[i] <= "9") prec = prec * 10 + (fmt.charCodeAt(i++) - 48);
      }
    }
    while ("lhzjtqL".includes(fmt[i])) i++;
    const conv = fmt[i++];
    const arg = args[ai++];
    let body: string;
    let prefix = "";
    switch (conv) {
      case "d":
      case "i": {
        const v = toBig(arg ?? 0);
        const neg = v < 0n;
        body = (neg ? -v : v).toString();
        prefix = neg ? "-" : plus ? "+" : space ? " " : "";
        break;
      }
      case "u":
      case "x":
      case "X":
      case "o": {
        let v = toBig(arg ?? 0);
        if (v < 0n) v += TWO64;
        body = v.toString(conv === "u" ? 10 : conv === "o" ? 8 : 16);
        if (conv === "X") body = body.toUpperCase();
        if (alt && v !== 0n) prefix = conv === "x" ? "0x" : conv === "X" ? "0X" : "0";
        break;
      }
      case "s":
        body = String(arg ?? "(null)");
        if (prec >= 0) body = body.slice(0, prec);
        prec = -1;
        break;
      case "c":
        body = typeof arg === "string" ? arg.slice(0, 1) : String.fromCharCode(Number(arg ?? 0));
        break;
      case "p":
        // Xen's %pd / %pv: the argument is already the printed name (d0, d0v1).
        if (fmt[i] === "d" || fmt[i] === "v") i++;
        body = String(arg ?? "");
        break;
      default:
        body = "%" + (conv ?? "");
    }
    if (prec >= 0 && conv !== "s" && body.length < prec) {
      body = "0".repeat(prec - body.length) + body;
    }
    const len = prefix.length + body.length;
    if (len < width) {
      const pad = width - len;
      if (left) out += prefix + body + " ".repeat(pad);
      else if (zero && prec < 0 && conv !== "s" && conv !== "c") {
        out += prefix + "0".repeat(pad) + body;
      } else out += " ".repeat(pad) + prefix + body;
    } else out += prefix + body;
  }
  return out;
}

/** Xen's `PRIpaddr` on arm64 ("016lx"): 16 zero-padded hex digits, no prefix. */
export function paddr(v: number | bigint): string {
  return xsprintf("%016lx", v);
}
