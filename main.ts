/**
 * dom0sim's command line: `dom0sim <command> [options]`. Each command lives in `cli/<name>.ts`
 * and exports `run(argv): Promise<number>` returning the exit status.
 *
 * @module
 */
import { exit, guard, processArgs, writeStderr, writeStdout } from "./cli/io.ts";
import { VERSION } from "./version.ts";
import { run as boot } from "./cli/boot.ts";
import { run as compare } from "./cli/compare.ts";
import { run as dt } from "./cli/dt.ts";
import { run as lint } from "./cli/lint.ts";
import { run as scan } from "./cli/scan.ts";

/** One subcommand: its one-line summary and its entry point. */
interface Command {
  summary: string;
  run: (argv: string[]) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  boot: { summary: "Boot a board: Xen builds dom0, dom0 boots and runs a workload", run: boot },
  compare: { summary: "Boot a board under several policies and compare the runs", run: compare },
  dt: { summary: "Device-tree compiler: DTS or DTB in, DTB or DTS out, as dtc 1.6.1", run: dt },
  lint: { summary: "Check a board for Xen on Arm: findings, why they matter, fixes", run: lint },
  scan: { summary: "Boot or lint many boards in one process, with a summary table", run: scan },
};

const USAGE = `dom0sim ${VERSION} — a firmware model of Xen 4.17 on ARMv8-A

Usage: dom0sim <command> [options]     (deno task <command> ... runs the same)

Commands:
${Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`).join("\n")}
  help       Show this text, or a command's help: dom0sim help <command>

Run 'dom0sim <command> --help' for a command's options and examples.
Exit status: 0 ok, 1 a finding (dom0 faulted, lint error), 2 bad input, 3 internal error.
`;

function main(argv: string[]): number | Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) {
    writeStderr(
      `error: expected a command (${Object.keys(COMMANDS).join(", ")}); see 'dom0sim --help'`,
    );
    return 2;
  }
  if (cmd === "help" || cmd === "--help" || cmd === "-h") {
    const sub = cmd === "help" ? rest[0] : undefined;
    if (sub && COMMANDS[sub]) return COMMANDS[sub].run(["--help"]);
    if (sub) {
      writeStderr(`error: unknown command '${sub}' (try 'dom0sim help')`);
      return 2;
    }
    writeStdout(USAGE);
    return 0;
  }
  if (cmd === "--version" || cmd === "version") {
    writeStdout(`dom0sim ${VERSION}\n`);
    return 0;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    writeStderr(`error: unknown command '${cmd}' (try 'dom0sim help')`);
    return 2;
  }
  return c.run(rest);
}

if (import.meta.main) {
  guard(() => main(processArgs())).then(exit);
}
