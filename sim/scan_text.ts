/**
 * The terminal output of `dom0sim scan`: the summary table (board, outcome, faults, findings,
 * ms, and the error for bad input), the totals line, and the progress bar drawn on a terminal.
 *
 * @module
 */

import { ANSI, paint } from "./lint_text.ts";
import type { ScanMode, ScanRow, ScanTotals } from "./scan.ts";
import { renderTable } from "./text_table.ts";

/** Options of {@link renderScanTable}. */
export interface ScanTextOptions {
  /** ANSI colours. */
  color?: boolean;
}

function statusText(r: ScanRow, color: boolean): string {
  switch (r.status) {
    case "ok":
      return paint("ok", ANSI.green, color);
    case "finding":
      return paint("finding", ANSI.yellow, color);
    case "bad-input":
      return paint("bad input", ANSI.red, color);
    case "crash":
      return paint("CRASH", ANSI.red, color);
  }
}

/** The summary table and the totals line. */
export function renderScanTable(
  rows: ScanRow[],
  totals: ScanTotals,
  mode: ScanMode,
  opts: ScanTextOptions = {},
): string {
  const color = opts.color ?? false;
  const cols = [{ title: "board" }, { title: "status" }];
  if (mode.boot) cols.push({ title: "outcome" }, { title: "faults" });
  if (mode.lint) cols.push({ title: "findings (E/W/I)" });
  cols.push({ title: "ms" }, { title: "detail" });
  const right = new Set(["faults", "ms"]);
  const body = rows.map((r) => {
    const cells = [r.board, statusText(r, false)];
    if (mode.boot) cells.push(r.outcome ?? "—", r.faults === undefined ? "—" : String(r.faults));
    if (mode.lint) {
      cells.push(
        r.findings ? `${r.findings.error}/${r.findings.warning}/${r.findings.info}` : "—",
      );
    }
    cells.push(String(Math.round(r.ms)));
    const detail = r.error ??
      [
        ...(r.faultSummary ?? []),
        ...(r.errorRules?.length ? [`lint errors: ${r.errorRules.join(", ")}`] : []),
      ].join("; ");
    cells.push(detail);
    return cells;
  });
  const lines = renderTable(cols.map((c) => ({ ...c, right: right.has(c.title) })), body)
    .split("\n");
  // Colour codes are zero-width on screen: pad the plain text, then paint the status cell.
  const at = lines[0].indexOf("status");
  const painted = color
    ? [
      lines[0],
      ...lines.slice(1).map((l, i) => {
        const s = statusText(rows[i], false);
        return l.slice(0, at) + statusText(rows[i], true) + l.slice(at + s.length);
      }),
    ]
    : lines;
  const st = totals.status;
  const parts = [`${totals.boards} board${totals.boards === 1 ? "" : "s"}`, `${st.ok} ok`];
  if (st.finding) parts.push(`${st.finding} with findings`);
  if (st["bad-input"]) parts.push(`${st["bad-input"]} bad input`);
  if (st.crash) parts.push(`${st.crash} crashed`);
  return painted.join("\n") + `\n\n${parts.join(", ")} · ${(totals.ms / 1000).toFixed(2)} s\n`;
}

/** One progress-bar frame (no newline; the caller prefixes `\r` and clears the line). */
export function progressLine(done: number, total: number, current: string, width = 28): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const bar = "#".repeat(filled) + ".".repeat(width - filled);
  const name = current.length > 40 ? "…" + current.slice(-39) : current;
  return `[${bar}] ${done}/${total} ${name}`;
}
