// UnionHub web UI: draws each panel's chart from the JSON next to it and toggles the table with the numbers.
// Without JavaScript (or without ECharts) the tables stay visible: the numbers never depend on the chart.
(function () {
  "use strict";
  var PALETTE = ["#b3121b", "#1f6feb", "#2da44e", "#bf8700", "#8250df"];

  function drawChart(panel) {
    var holder = panel.querySelector(".chart");
    if (!holder || typeof window.echarts === "undefined") return false;
    var dataNode = document.getElementById(holder.getAttribute("data-chart"));
    if (!dataNode) return false;
    var spec = JSON.parse(dataNode.textContent);
    holder.hidden = false;
    var chart = window.echarts.init(holder, null, { renderer: "canvas" });
    var unit = spec.unit || "";
    chart.setOption({
      color: PALETTE,
      animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + unit; } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 4 ? 30 : 0, width: 90, overflow: "truncate" } },
      yAxis: { type: "value", axisLabel: { formatter: "{value}" + unit } },
      series: spec.series.map(function (s) {
        return { name: s.name, type: spec.type || "bar", data: s.data, barMaxWidth: 36 };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
    holder.setAttribute("data-drawn", "1");
    return true;
  }

  function setupToggle(panel) {
    var button = panel.querySelector(".js-table-toggle");
    if (!button) return;
    var table = document.getElementById(button.getAttribute("aria-controls"));
    function show(visible) {
      table.hidden = !visible;
      button.setAttribute("aria-expanded", visible ? "true" : "false");
      button.textContent = visible ? button.getAttribute("data-hide-label") : button.getAttribute("data-show-label");
    }
    button.hidden = false;
    show(false); // the chart is drawn: the table is one click (or Enter) away
    button.addEventListener("click", function () { show(table.hidden); });
  }

  function init() {
    var panels = document.querySelectorAll(".panel");
    for (var i = 0; i < panels.length; i++) {
      if (drawChart(panels[i])) setupToggle(panels[i]);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
