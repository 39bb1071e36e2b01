// The console's only script: confirmations before destructive actions, the overview's charts
// (uPlot, from the JSON block the page carries) and the live progress of a running broadcast.
// Plain browser JavaScript, no build step: the executable serves this file as it is.
(() => {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }

  // Forms post once: a second click while the first is on its way does nothing.
  for (const form of document.querySelectorAll("form[method=post]")) {
    form.addEventListener("submit", (e) => {
      if (e.defaultPrevented) return;
      if (form.dataset.sent) e.preventDefault();
      form.dataset.sent = "1";
    });
  }

  // A picked file is read into the form's text field: forms post as text, never as uploads.
  for (const input of document.querySelectorAll("input[type=file][data-into]")) {
    input.addEventListener("change", async () => {
      const target = document.getElementById(input.dataset.into);
      const file = input.files?.[0];
      if (target && file) target.value = await file.text();
    });
  }

  const data = document.getElementById("nc-charts");
  if (data && window.uPlot) drawCharts(JSON.parse(data.textContent));

  function drawCharts(spec) {
    const uPlot = window.uPlot;
    const charts = {};
    window.ncCharts = charts;
    const bars = uPlot.paths.bars({ size: [0.7, 48] });
    const halfDay = 12 * 3600;
    for (const chart of spec.charts) {
      const el = document.querySelector(`[data-chart="${chart.id}"]`);
      if (!el) continue;
      const opts = {
        width: Math.max(el.clientWidth, 200),
        height: 220,
        // Days are the owner's TIMEZONE days, whatever zone the browser is in.
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), spec.timeZone),
        scales: { x: { time: true, range: (_u, min, max) => [min - halfDay, max + halfDay] } },
        series: [
          {},
          ...chart.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: s.kind === "bars" ? 1 : 2,
            fill: s.kind === "bars" ? `${s.color}99` : undefined,
            paths: s.kind === "bars" ? bars : undefined,
            points: { show: s.kind !== "bars" },
          })),
        ],
        axes: [{}, { size: 56 }],
      };
      charts[chart.id] = new uPlot(opts, [spec.x, ...chart.series.map((s) => s.values)], el);
    }
    const resize = new ResizeObserver(() => {
      for (const [id, u] of Object.entries(charts)) {
        const el = document.querySelector(`[data-chart="${id}"]`);
        if (el && el.clientWidth !== u.width)
          u.setSize({ width: Math.max(el.clientWidth, 200), height: 220 });
      }
    });
    for (const el of document.querySelectorAll("[data-chart]")) resize.observe(el);
  }

  const box = document.querySelector("[data-progress]");
  if (box && box.dataset.running === "1") {
    const every = Number(box.dataset.every) || 2000;
    const tick = async () => {
      try {
        const res = await fetch(box.dataset.progress, { credentials: "same-origin" });
        const p = res.ok ? await res.json() : null;
        if (p) {
          for (const key of ["done", "total", "sent", "failed", "blocked"]) {
            const field = box.querySelector(`[data-field="${key}"]`);
            if (field) field.textContent = String(p[key]);
          }
          const status = box.querySelector('[data-field="status"]');
          if (status) status.textContent = p.statusText;
          const meter = box.querySelector("meter");
          if (meter) {
            meter.max = Math.max(p.total, 1);
            meter.value = p.done;
          }
          box.dataset.running = p.status === "running" ? "1" : "0";
        }
      } catch {
        // The next tick tries again.
      }
      if (box.dataset.running === "1") setTimeout(tick, every);
    };
    setTimeout(tick, every);
  }
})();
