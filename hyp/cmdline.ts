/**
 * Xen's command line (xen/common/kernel.c `parse_params`, xen/lib/parse-size.c): whitespace-
 * separated `key`, `key=value` and `no-key` options, each matched against a table of parameters
 * the way Xen's `integer_param`/`boolean_param`/`size_param`/`custom_param` declare them. Only
 * the options that change what this model does are declared; every other key is reported as
 * Xen reports it (`parameter "X" unknown!`), since a real Xen would not know a misspelt key
 * either. Xen prints those messages before its console is up, so they are early messages.
 *
 * @module
 */

/** Xen errno values used by parameter parsing (xen/include/public/errno.h). */
const EINVAL = 22;

/** Xen's options as this model understands them (defaults are Xen 4.17's). */
export interface XenOptions {
  /** `dom0_mem=` in bytes; undefined → 512 MiB with a warning (`construct_dom0`). */
  dom0Mem?: number;
  /** Whether `dom0_mem=` appeared (Xen's `dom0_mem_set`). */
  dom0MemSet: boolean;
  /** `dom0_max_vcpus=` (0 = number of CPUs in cpupool0). */
  dom0MaxVcpus: number;
  /** `console=` list, e.g. "dtuart". */
  console: string;
  /** `dtuart=` path or alias (with optional `:options`). */
  dtuart: string;
  /** `loglvl=` value as given. */
  loglvl: string;
  /** `guest_loglvl=` value as given. */
  guestLoglvl: string;
  /** `ext_regions=` (domain_build.c `opt_ext_regions`, default true). */
  extRegions: boolean;
  /** `gnttab_max_frames=` (grant_table.c `opt_max_grant_frames`, default 64). */
  gnttabMaxFrames: number;
  /** `bootscrub=` mode (page_alloc.c, default idle). */
  bootscrub: "off" | "on" | "idle";
  /** `sync_console` (console.c). */
  syncConsole: boolean;
  /** `dma_bits=` (page_alloc.c; 0 = none). */
  dmaBits: number;
  /** `pci-passthrough=` (arm/pci/pci.c, default off). */
  pciPassthrough: boolean;
}

/** A message Xen prints while parsing (before the console is up). */
export interface CmdlineMessage {
  /** The printk text. */
  text: string;
}

/** Xen's defaults. */
export function defaultXenOptions(): XenOptions {
  return {
    dom0MemSet: false,
    dom0MaxVcpus: 0,
    // opt_console = OPT_CONSOLE_STR, "dtuart" on Arm (asm/config.h): with no console= on the
    // command line Xen takes the UART /chosen/stdout-path names.
    console: "dtuart",
    dtuart: "",
    loglvl: "warning",
    guestLoglvl: "none/warning",
    extRegions: true,
    gnttabMaxFrames: 64,
    bootscrub: "idle",
    syncConsole: false,
    dmaBits: 0,
    pciPassthrough: false,
  };
}

/** Xen's `parse_bool` (xen/common/kernel.c): 1, 0 or -1. */
export function parseBool(s: string): number {
  switch (s) {
    case "1":
    case "on":
    case "yes":
    case "true":
    case "enable":
      return 1;
    case "0":
    case "no":
    case "off":
    case "false":
    case "disable":
      return 0;
  }
  return -1;
}

/** `simple_strtoull(s, &end, 0)`: [value, index after the digits]. */
export function simpleStrtoull(s: string, start = 0): [number, number] {
  let i = start;
  let base = 10;
  if (
    s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X") && /[0-9a-fA-F]/.test(s[i + 2] ?? "")
  ) {
    base = 16;
    i += 2;
  } else if (s[i] === "0") base = 8;
  let v = 0;
  for (; i < s.length; i++) {
    const d = parseInt(s[i], 16);
    if (Number.isNaN(d) || d >= base) break;
    v = v * base + d;
  }
  return [v, i];
}

/**
 * Xen's `parse_size_and_unit`: a number with an optional `T/G/M/K/B` suffix (case-insensitive);
 * no suffix means KiB. Returns [bytes, index after the suffix].
 */
export function parseSizeAndUnit(s: string): [number, number] {
  let [v, i] = simpleStrtoull(s);
  switch (s[i]) {
    case "T":
    case "t":
      v *= 1024 ** 4;
      i++;
      break;
    case "G":
    case "g":
      v *= 1024 ** 3;
      i++;
      break;
    case "M":
    case "m":
      v *= 1024 ** 2;
      i++;
      break;
    case "K":
    case "k":
      v *= 1024;
      i++;
      break;
    case "B":
    case "b":
      i++;
      break;
    default:
      v *= 1024;
  }
  return [v, i];
}

type Handler = (o: XenOptions, val: string, assert: boolean) => number;

/** The parameter table: name → handler returning 0 or a negative errno (like Xen's). */
const PARAMS: Record<string, Handler> = {
  // domain_build.c custom_param("dom0_mem", parse_dom0_mem)
  dom0_mem: (o, v) => {
    o.dom0MemSet = true;
    const [bytes, end] = parseSizeAndUnit(v);
    o.dom0Mem = bytes;
    return end < v.length ? -EINVAL : 0;
  },
  // domain_build.c integer_param("dom0_max_vcpus", ...)
  dom0_max_vcpus: (o, v) => uintParam(v, (n) => (o.dom0MaxVcpus = n)),
  // console.c string_param("console", opt_console)
  console: (o, v) => {
    o.console = v;
    return 0;
  },
  // arm-uart.c string_param("dtuart", opt_dtuart)
  dtuart: (o, v) => {
    o.dtuart = v;
    return 0;
  },
  loglvl: (o, v) => {
    o.loglvl = v;
    return 0;
  },
  guest_loglvl: (o, v) => {
    o.guestLoglvl = v;
    return 0;
  },
  ext_regions: (o, v, a) => boolParam(v, a, (b) => (o.extRegions = b)),
  gnttab_max_frames: (o, v) => uintParam(v, (n) => (o.gnttabMaxFrames = n)),
  bootscrub: (o, v, a) => {
    if (!a) {
      if (v !== "") return -EINVAL;
      o.bootscrub = "off";
      return 0;
    }
    if (v === "") {
      o.bootscrub = "on";
      return 0;
    }
    const b = parseBool(v);
    if (b === 0) o.bootscrub = "off";
    else if (b === 1) o.bootscrub = "on";
    else if (v === "idle") o.bootscrub = "idle";
    else return -EINVAL;
    return 0;
  },
  sync_console: (o, v, a) => boolParam(v, a, (b) => (o.syncConsole = b)),
  dma_bits: (o, v) => uintParam(v, (n) => (o.dmaBits = n)),
  "pci-passthrough": (o, v, a) => boolParam(v, a, (b) => (o.pciPassthrough = b)),
};

/** Options Xen knows but this model does not use: accepted silently, as Xen would. */
const KNOWN_IGNORED = new Set([
  "conswitch",
  "serrors",
  "vwfi",
  "sched",
  "hmp-unsafe",
  "iommu",
  "xsm",
  "flask",
  "noreboot",
  "nosmp",
  "maxcpus",
  "timer_slop",
  "watchdog",
  "bootscrub_chunk",
  "console_timestamps",
  "console_to_ring",
  "conring_size",
  "dom0_vcpus_pin",
  "gnttab_max_maptrack_frames",
  "gnttab",
  "sched-gran",
  "credit2_runqueue",
  "smt",
  "spec-ctrl",
  "dom0",
  "llc-coloring",
]);

function uintParam(v: string, set: (n: number) => void): number {
  const [n, end] = simpleStrtoull(v);
  set(n);
  return end < v.length || v === "" ? -EINVAL : 0;
}

function boolParam(v: string, assert: boolean, set: (b: boolean) => void): number {
  let r = v === "" ? 1 : parseBool(v);
  if (r < 0) return -EINVAL;
  if (!assert) r = r ? 0 : 1;
  set(r === 1);
  return 0;
}

/**
 * Parse Xen's command line (`cmdline_parse`). Returns the options and the messages Xen prints
 * for unknown keys and invalid values (`parameter "X" unknown!`,
 * `parameter "X" has invalid value "V", rc=-22!`).
 */
export function parseXenCmdline(
  cmdline: string | undefined,
  base: XenOptions = defaultXenOptions(),
): { options: XenOptions; messages: CmdlineMessage[] } {
  const o = base;
  const messages: CmdlineMessage[] = [];
  if (!cmdline) return { options: o, messages };
  for (const opt of cmdline.split(" ")) {
    if (opt === "") continue;
    const eq = opt.indexOf("=");
    let key = eq < 0 ? opt : opt.slice(0, eq);
    const val = eq < 0 ? "" : opt.slice(eq + 1);
    const assert = !key.startsWith("no-");
    if (!assert) key = key.slice(3);
    const h = PARAMS[key];
    if (!h) {
      if (!KNOWN_IGNORED.has(key)) messages.push({ text: `parameter "${key}" unknown!` });
      continue;
    }
    const rc = h(o, val, assert);
    if (rc) {
      messages.push({
        text: `parameter "${assert ? key : "no-" + key}" has invalid value "${val}", rc=${rc}!`,
      });
    }
  }
  return { options: o, messages };
}
