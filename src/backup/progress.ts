// Progress of a backup or restore, and the two ways the CLI shows it: a redrawn bar on a terminal,
// plain lines (one per phase and every 10%) when output goes to a file or a journal.
export type ProgressUnit = "pages" | "rows" | "bytes" | "files";

export interface Progress {
  /** Short phase name, e.g. "snapshot", "export users", "archive", "verify", "load jobs". */
  phase: string;
  done: number;
  total: number;
  unit: ProgressUnit;
}

export type ProgressCallback = (p: Progress) => void;

interface Output {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

function amount(n: number, unit: ProgressUnit): string {
  if (unit !== "bytes") return String(n);
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KB`;
  return `${n} B`;
}

function fraction(p: Progress): number {
  return p.total > 0 ? Math.min(1, p.done / p.total) : 1;
}

/** A bar redrawn in place: `export jobs  [#########-----------]  45%  450000/1000000 rows`. */
export function createProgressBar(out: Output): ProgressCallback & { end(): void } {
  let last = "";
  let lastAt = 0;
  let phase = "";
  const render = (p: Progress) => {
    const now = Date.now();
    const f = fraction(p);
    // Redrawing faster than the eye is pointless and costs the process time on big exports.
    if (p.phase === phase && f < 1 && now - lastAt < 100) return;
    if (p.phase !== phase && phase !== "") out.write("\n");
    phase = p.phase;
    lastAt = now;
    const width = Math.max(10, Math.min(40, (out.columns ?? 80) - 50));
    const filled = Math.round(f * width);
    const line = `${p.phase.padEnd(22)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%  ${amount(p.done, p.unit)}/${amount(p.total, p.unit)} ${p.unit === "bytes" ? "" : p.unit}`;
    if (line !== last) out.write(`\r${line}`);
    last = line;
  };
  return Object.assign(render, {
    end() {
      if (phase !== "") out.write("\n");
      phase = "";
    },
  });
}

/** One line when a phase starts, at every further 10%, and when it completes. */
export function createProgressLines(out: Output): ProgressCallback & { end(): void } {
  let phase = "";
  let step = -1;
  const render = (p: Progress) => {
    const s = Math.floor(fraction(p) * 10);
    if (p.phase === phase && s === step) return;
    phase = p.phase;
    step = s;
    out.write(
      `${p.phase}: ${s * 10}% (${amount(p.done, p.unit)}/${amount(p.total, p.unit)} ${p.unit === "bytes" ? "" : p.unit})\n`.replace(
        " )",
        ")",
      ),
    );
  };
  return Object.assign(render, { end() {} });
}

/** The bar on a terminal, plain lines otherwise. */
export function createProgressRenderer(out: Output = process.stderr): ProgressCallback & { end(): void } {
  return out.isTTY ? createProgressBar(out) : createProgressLines(out);
}
