// The dashboard's charts, drawn from the page's json_script data; the tables beside them are the
// accessible form (the charts are aria-hidden). ECharts 5.6.0 (Apache-2.0), served from
// static/vendor/echarts.min.js — never from a CDN.
(function () {
  "use strict";
  // 自/至 matter only for a custom period: disabled otherwise, so they are not sent either.
  var span = document.getElementById("id_span");
  function customDates() {
    ["id_start", "id_end"].forEach(function (id) {
      var input = document.getElementById(id);
      if (input && span) input.disabled = span.value !== "custom";
    });
  }
  if (span) { span.addEventListener("change", customDates); customDates(); }

  var holder = document.getElementById("dashboard-data");
  if (!holder || typeof echarts === "undefined") return;
  var data = JSON.parse(holder.textContent);
  var colors = ["#b3261e", "#0b5cad", "#9a6700", "#1a7f37", "#6e40c9", "#59636e"];
  var font = 'system-ui, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
  var base = { color: colors, textStyle: { fontFamily: font }, animation: false };

  function bars(labels, values, name) {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category", inverse: true, data: labels,
        axisLabel: { width: 140, overflow: "truncate" }
      },
      series: [{ name: name, type: "bar", data: values, label: { show: true, position: "right" } }]
    };
  }

  var options = {
    trend: function (d) {
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: d.months },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: d.year + "年批次", type: "line", data: d.current, symbolSize: 6 },
          { name: (d.year - 1) + "年批次", type: "line", data: d.previous, symbolSize: 6,
            lineStyle: { type: "dashed" } }
        ]
      };
    },
    channel_level: function (d) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: d.channels },
        yAxis: { type: "value", minInterval: 1 },
        series: d.levels.map(function (level, i) {
          return { name: level, type: "bar", stack: "level", data: d.series[i] };
        })
      };
    },
    category: function (d) { return bars(d.labels, d.batches, "批次"); },
    locality: function (d) { return bars(d.labels, d.batches, "批次"); },
    unit: function (d) { return bars(d.labels, d.batches, "批次"); }
  };

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var name = el.getAttribute("data-chart");
    if (!options[name] || !data[name]) return;
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(Object.assign({}, base, options[name](data[name])));
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
