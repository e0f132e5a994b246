/**
 * Xen's `panic()`: the console block it prints, then an {@link InputError} — in this model a
 * panic is always caused by the input (the host tree, the command line, the boot modules), so
 * the CLI reports it as one line and exits 2. When the line Xen printed just before the panic is
 * an error (`XENLOG_ERR`, e.g. `Unable to map IRQ...` before `Could not set up DOM0 guest OS`),
 * the one-line error carries it too (the last such line among the three before the panic),
 * since that line is the reason a user needs.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import type { XenConsole } from "./console.ts";

/**
 * The error a Xen panic throws: an {@link InputError} (one line, exit 2) that also carries the
 * console lines Xen printed up to and including its panic banner, for callers that show them.
 */
export class XenPanicError extends InputError {
  /** Xen's console as printed, with the `(XEN) ` prefixes. */
  readonly console: string[];

  /** Make the error; `console` is the printed console. */
  constructor(location: string, detail: string, console: string[]) {
    super(location, detail);
    this.console = console;
  }
}

/**
 * Print Xen's panic banner for `msg` and throw a {@link XenPanicError} at `location`. `hint` is
 * dom0sim's explanation of the cause, when it knows more than Xen prints (appended to the line).
 */
export function xenPanic(console: XenConsole, msg: string, location = "", hint = ""): never {
  // The reason: the last XENLOG_ERR line among the few printed just before the panic (Xen
  // often follows the cause with a generic line, e.g. "Device tree generation failed (-22).").
  let reason = "";
  const ev = console.events;
  for (let i = ev.length - 1; i >= 0 && i >= ev.length - 3; i--) {
    const e = ev[i];
    if (e.guest || e.fromGuest !== undefined || e.addition) break;
    if (e.level === 0 && e.text.trim() !== "") {
      reason = e.text.trim().replace(/\.$/, "");
      break;
    }
  }
  console.printk("\n****************************************\n");
  console.printk("Panic on CPU %d:\n", 0);
  console.printk("%s\n", msg);
  console.printk("****************************************\n\n");
  console.printk("Reboot in five seconds...\n");
  throw new XenPanicError(
    location,
    `Xen panic: ${msg}${reason ? ` (${reason})` : ""}${hint ? `: ${hint}` : ""}`,
    console.lines(),
  );
}
