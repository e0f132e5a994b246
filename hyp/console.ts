/**
 * Xen's console (xen/drivers/char/console.c): `printk` with the `XENLOG_*` level prefixes and the
 * `loglvl`/`guest_loglvl` thresholds, the `(XEN) ` line prefix, guest console output
 * (`CONSOLEIO_write`), and a structured event per line for the summary. Output bytes go to a
 * sink (the PL011 UART through the bus when the sim layer models one); the library never prints.
 *
 * Threshold rule (`printk_prefix_check`): a line of level L prints when L < lower, is
 * rate-limited when lower ≤ L < upper (burst of 10, `printk_ratelimit`), and is dropped when
 * L ≥ upper. Release-build defaults (NDEBUG): `loglvl=warning` (2/2), `guest_loglvl=none/warning`
 * (0/2). Lines without a prefix are `XENLOG_WARNING`.
 *
 * @module
 */

import { type PrintfArg, xsprintf } from "./vsprintf.ts";

/** `XENLOG_ERR` … `XENLOG_DEBUG` (xen/include/xen/config.h: "<0>" … "<3>"). */
export type XenLogLevel = 0 | 1 | 2 | 3;

/** `XENLOG_ERR` prefix. */
export const XENLOG_ERR = "<0>";
/** `XENLOG_WARNING` prefix. */
export const XENLOG_WARNING = "<1>";
/** `XENLOG_INFO` prefix. */
export const XENLOG_INFO = "<2>";
/** `XENLOG_DEBUG` prefix. */
export const XENLOG_DEBUG = "<3>";
/** `XENLOG_GUEST` prefix (guest-provoked message: guest thresholds apply). */
export const XENLOG_GUEST = "<G>";

/** `printk_ratelimit` burst (console.c: `printk_ratelimit_burst = 10`). */
const RATELIMIT_BURST = 10;

/** One console line, as printed or as dropped by the thresholds. */
export interface ConsoleEvent {
  /** Sequence number (0-based, every printk line, printed or not). */
  seq: number;
  /** The line without the `(XEN) ` prefix and without the newline. */
  text: string;
  /** The XENLOG level the line was classified at. */
  level: XenLogLevel;
  /** A guest-provoked line (`XENLOG_GUEST`, e.g. `gprintk`). */
  guest: boolean;
  /** Whether the thresholds let it reach the console. */
  printed: boolean;
  /** Console output written by a guest (`CONSOLEIO_write`), printed without prefix. */
  fromGuest?: number;
  /** A dom0sim addition, not a line real Xen prints (e.g. the per-region `Mapping` lines). */
  addition?: boolean;
  /** Machine-readable tag for the summary (e.g. "bank", "mapping", "vgic-unhandled"). */
  kind?: string;
}

/** Parse a `loglvl=` value (`none|error|warning|info|debug|all[/…]`) into [lower, upper]. */
export function parseLoglvl(s: string): [number, number] | undefined {
  const one = (t: string): number | undefined =>
    ({ none: 0, error: 1, warning: 2, info: 3, debug: 4, all: 4 } as Record<string, number>)[t];
  const [a, b] = s.split("/", 2);
  const lo = one(a);
  if (lo === undefined) return undefined;
  if (b === undefined) return [lo, lo];
  const hi = one(b);
  if (hi === undefined) return undefined;
  return [lo, Math.max(lo, hi)];
}

/** Options for {@link XenConsole}. */
export interface ConsoleOptions {
  /** `loglvl=` value (default "warning", Xen's release build). */
  loglvl?: string;
  /** `guest_loglvl=` value (default "none/warning"). */
  guestLoglvl?: string;
  /** Receives every byte Xen writes to its console UART. */
  sink?: (bytes: Uint8Array) => void;
}

/** Xen's console: formats, filters, records and forwards lines. */
export class XenConsole {
  /** Every line in order (printed or dropped). */
  readonly events: ConsoleEvent[] = [];
  private lower = 2;
  private upper = 2;
  private guestLower = 0;
  private guestUpper = 2;
  private burst = 0;
  private guestBurst = 0;
  private readonly sink?: (bytes: Uint8Array) => void;
  private readonly enc = new TextEncoder();

  /** Make a console with the given thresholds and byte sink. */
  constructor(opts: ConsoleOptions = {}) {
    this.sink = opts.sink;
    this.setLoglvl(opts.loglvl ?? "warning");
    this.setGuestLoglvl(opts.guestLoglvl ?? "none/warning");
  }

  /** Apply a `loglvl=` value; returns false (and changes nothing) when it does not parse. */
  setLoglvl(v: string): boolean {
    const r = parseLoglvl(v);
    if (!r) return false;
    [this.lower, this.upper] = r;
    return true;
  }

  /** Apply a `guest_loglvl=` value; returns false when it does not parse. */
  setGuestLoglvl(v: string): boolean {
    const r = parseLoglvl(v);
    if (!r) return false;
    [this.guestLower, this.guestUpper] = r;
    return true;
  }

  /** Whether a line at `level` (guest or not) would print now (ignoring rate limits). */
  wouldPrint(level: XenLogLevel, guest = false): boolean {
    return level < (guest ? this.guestUpper : this.upper);
  }

  /**
   * `printk(fmt, ...)`: format, split into lines, classify each by its `<G>`/`<N>` prefixes and
   * print the ones the thresholds allow. Returns the events it recorded.
   */
  printk(fmt: string, ...args: PrintfArg[]): ConsoleEvent[] {
    return this.emit(xsprintf(fmt, ...args));
  }

  /** `printk` with a machine-readable tag on every resulting event. */
  printkTagged(kind: string, fmt: string, ...args: PrintfArg[]): ConsoleEvent[] {
    const evs = this.emit(xsprintf(fmt, ...args));
    for (const e of evs) e.kind = kind;
    return evs;
  }

  /** `gprintk(lvl, fmt, ...)`: `XENLOG_GUEST lvl "%pv " fmt` with the vCPU name (`d0v0`). */
  gprintk(lvl: string, vcpu: string, fmt: string, ...args: PrintfArg[]): ConsoleEvent[] {
    return this.emit(XENLOG_GUEST + lvl + vcpu + " " + xsprintf(fmt, ...args));
  }

  /**
   * A dom0sim-only line (not printed by real Xen), at `XENLOG_DEBUG`: printed with
   * `(XEN) [dom0sim] ` when `loglvl` includes debug, always recorded as an event.
   */
  addition(kind: string, text: string): ConsoleEvent {
    const [e] = this.emit(XENLOG_DEBUG + "[dom0sim] " + text);
    e.addition = true;
    e.kind = kind;
    return e;
  }

  /** A guest's console output (`CONSOLEIO_write` by the hardware domain): raw bytes. */
  guestWrite(domid: number, text: string): void {
    const e: ConsoleEvent = {
      seq: this.events.length,
      text,
      level: 1,
      guest: true,
      printed: true,
      fromGuest: domid,
    };
    this.events.push(e);
    this.sink?.(this.enc.encode(domid === 0 ? text : `(d${domid}) ${text}`));
  }

  /** The printed lines, each with its `(XEN) ` prefix, as the serial console shows them. */
  lines(opts: { additions?: boolean } = {}): string[] {
    const out: string[] = [];
    for (const e of this.events) {
      if (!e.printed || e.fromGuest !== undefined) continue;
      if (e.addition && opts.additions === false) continue;
      out.push("(XEN) " + e.text);
    }
    return out;
  }

  /** Splits formatted text into lines, applies the thresholds and ratelimit, prints. */
  private emit(s: string): ConsoleEvent[] {
    const out: ConsoleEvent[] = [];
    const parts = s.split("\n");
    if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
    for (let p of parts) {
      let level = -1;
      let guest = false;
      while (p.length >= 3 && p[0] === "<" && p[2] === ">") {
        const c = p[1];
        if (c === "G") {
          guest = true;
          if (level === -1) level = 1;
        } else if (c >= "0" && c <= "3") level = c.charCodeAt(0) - 48;
        p = p.slice(3);
      }
      if (level === -1) level = 1;
      const lower = guest ? this.guestLower : this.lower;
      const upper = guest ? this.guestUpper : this.upper;
      let printed = level < lower;
      if (!printed && level < upper) {
        if (guest) printed = this.guestBurst++ < RATELIMIT_BURST;
        else printed = this.burst++ < RATELIMIT_BURST;
      }
      const e: ConsoleEvent = {
        seq: this.events.length,
        text: p,
        level: level as XenLogLevel,
        guest,
        printed,
      };
      this.events.push(e);
      out.push(e);
      if (printed && this.sink) this.sink(this.enc.encode("(XEN) " + p + "\n"));
    }
    return out;
  }
}
