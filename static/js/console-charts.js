/* The bureau's dashboard charts (issue #8), drawn with Apache ECharts (static/vendor/,
   installed from npm at a pinned version by `make`). Each chart's figures are also in a
   table beside it: screen readers read the table (the chart is aria-hidden), and when
   the library or JavaScript is missing the table is simply shown instead. */
(function () {
  "use strict";
  var dataNode = document.getElementById("console-chart-data");
  if (!dataNode || !window.echarts) { return; }
  var data = JSON.parse(dataNode.textContent);
  var css = getComputedStyle(document.documentElement);
  function colour(name, fallback) { return (css.getPropertyValue(name) || fallback).trim(); }
  var STATUS_COLOURS = {
    seeking: colour("--brand", "#b4282d"),
    trial: colour("--info", "#0b62c4"),
    contracted: colour("--ok", "#1a7f37"),
    fallback: colour("--warn", "#9a6700")
  };

  // A dashboard panel's chart (market.console.registry.Panel.chart): its own JSON beside it.
  function panelChart(figure) {
    var node = document.getElementById(figure.dataset.panelData || "");
    return node ? JSON.parse(node.textContent) : null;
  }

  var builders = {
    panel: function (figure) {
      var chart = panelChart(figure);
      if (!chart || chart.type !== "bar") { return null; }
      var unit = chart.unit || "";
      return {
        grid: { left: 16, right: 24, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
                   valueFormatter: function (v) { return unit + v.toFixed(2); } },
        xAxis: { type: "value", axisLabel: { formatter: unit + "{value}" } },
        // Largest first, drawn top-down.
        yAxis: { type: "category", data: chart.labels.slice().reverse(),
                 axisLabel: { width: 120, overflow: "truncate" } },
        series: [{
          name: chart.series_name, type: "bar", data: chart.values.slice().reverse(),
          itemStyle: { color: colour("--warn", "#9a6700") }
        }]
      };
    },
    coverage: function (figure) {
      var unit = figure.dataset.unit || "";
      return {
        grid: { left: 48, right: 16, top: 16, bottom: 48 },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + unit; } },
        xAxis: { type: "category", data: data.coverage.dates, boundaryGap: false },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}" + unit } },
        dataZoom: data.coverage.dates.length > 31 ? [{ type: "inside" }, { type: "slider", height: 18, bottom: 4 }] : [],
        series: [{
          name: figure.dataset.seriesName, type: "line", data: data.coverage.rates,
          showSymbol: data.coverage.dates.length < 40, connectNulls: true,
          lineStyle: { width: 2, color: colour("--brand", "#b4282d") },
          itemStyle: { color: colour("--brand", "#b4282d") },
          areaStyle: { opacity: 0.08 }
        }]
      };
    },
    statuses: function (figure) {
      return {
        tooltip: { trigger: "item" },
        legend: { bottom: 0 },
        series: [{
          name: figure.dataset.seriesName, type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"],
          label: { formatter: "{b}\n{c}" },
          data: data.statuses.map(function (s) {
            return { name: s.name, value: s.count, itemStyle: { color: STATUS_COLOURS[s.value] } };
          })
        }]
      };
    }
  };

  var charts = [];
  document.querySelectorAll(".chart-figure[data-chart]").forEach(function (figure) {
    var build = builders[figure.dataset.chart];
    var box = figure.querySelector(".chart");
    if (!build || !box) { return; }
    var option = build(figure);
    if (!option) { return; }  // nothing to draw: the table stays
    figure.classList.add("chart-ready");  // shows the chart box, hides the table visually
    var chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
