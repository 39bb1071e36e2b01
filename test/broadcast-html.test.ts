import { describe, expect, it } from "vitest";
import { entitiesToHtml } from "../src/broadcast/html.ts";

describe("broadcast formatting", () => {
  it("keeps bold, links and nested entities and escapes the rest", () => {
    const text = "Sale <today>: 50% off at shop";
    const html = entitiesToHtml(text, [
      { type: "bold", offset: 0, length: 4 },
      { type: "italic", offset: 14, length: 7 },
      { type: "bold", offset: 14, length: 3 },
      { type: "text_link", offset: 25, length: 4, url: "https://example.com/?a=1&b=2" },
    ]);
    expect(html).toBe(
      "<b>Sale</b>" +
        ' &lt;today&gt;: <i><b>50%</b> off</i> at <a href="https://example.com/?a=1&amp;b=2">shop</a>',
    );
  });

  it("counts offsets in UTF-16 like Telegram (emoji before an entity)", () => {
    expect(entitiesToHtml("🔥 hot", [{ type: "bold", offset: 3, length: 3 }])).toBe("🔥 <b>hot</b>");
  });
});
