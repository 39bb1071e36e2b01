// User text goes into HTML messages only through this.
const MAP: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

export function esc(text: string): string {
  return text.replace(/[&<>"]/g, (c) => MAP[c] ?? c);
}

/** Cuts to `max` characters with an ellipsis (before escaping). */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
