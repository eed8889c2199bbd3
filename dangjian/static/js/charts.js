/* Bar charts with ECharts for elements marked `data-chart="<id of a json_script element>"`.
 * The spec comes from dangjian/core/templatetags/charts.py:
 *   {horizontal, stacked, unit, categories, axis_labels?, series: [{name, color, data}]}
 * Phone first: labels truncated, month labels rotated on narrow screens, resized with the window.
 * Load after echarts.min.js (both with `defer`). */
(function () {
  "use strict";

  var FONT = '-apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

  function readSpec(el) {
    var node = document.getElementById(el.getAttribute("data-chart"));
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function isEmpty(spec) {
    if (!spec || !spec.categories || spec.categories.length === 0) return true;
    return !(spec.series || []).some(function (s) {
      return (s.data || []).some(function (v) { return v > 0; });
    });
  }

  function showEmpty(el) {
    el.classList.add("chart-empty");
    el.style.height = "";
    el.style.padding = "1.5em 0";
    el.style.textAlign = "center";
    el.style.color = "#888";
    el.textContent = "暂无数据";
  }

  function fmt(v, unit) {
    return unit === "元" ? Number(v).toFixed(2) + " 元" : v + " " + unit;
  }

  function option(spec, width) {
    var narrow = width < 480;
    var labels = spec.axis_labels || spec.categories;
    var category = {
      type: "category",
      data: labels,
      inverse: !!spec.horizontal, // horizontal: first row at the top, like the table
      axisTick: { alignWithLabel: true },
      axisLabel: spec.horizontal
        ? { width: narrow ? 112 : 180, overflow: "truncate", fontSize: 12 }
        : { interval: 0, rotate: narrow && labels.length > 6 ? 45 : 0, fontSize: 11 },
    };
    var value = {
      type: "value",
      minInterval: spec.unit === "元" ? 0 : 1,
      axisLabel: { fontSize: 11, hideOverlap: true },
      splitLine: { lineStyle: { color: "#eee" } },
    };
    return {
      animation: false,
      textStyle: { fontFamily: FONT },
      color: spec.series.map(function (s) { return s.color; }),
      legend: { top: 0, itemWidth: 14, itemHeight: 10, textStyle: { fontSize: 12 } },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        confine: true,
        formatter: function (items) {
          if (!items.length) return "";
          var lines = [spec.categories[items[0].dataIndex]];
          items.forEach(function (it) { lines.push(it.marker + it.seriesName + "：" + fmt(it.value, spec.unit)); });
          return lines.join("<br>");
        },
      },
      xAxis: spec.horizontal ? value : category,
      yAxis: spec.horizontal ? category : value,
      series: spec.series.map(function (s) {
        return {
          type: "bar",
          name: s.name,
          data: s.data,
          stack: spec.stacked ? "total" : undefined,
          barMaxWidth: 28,
          itemStyle: { color: s.color },
        };
      }),
    };
  }

  function height(spec) {
    if (spec.horizontal) return Math.max(180, spec.categories.length * (spec.stacked ? 32 : 48) + 70);
    return 280;
  }

  function render(el) {
    var spec = readSpec(el);
    if (isEmpty(spec)) return showEmpty(el);
    if (typeof echarts === "undefined") return;
    if (!el.style.height) el.style.height = height(spec) + "px";
    el.style.width = "100%";
    var chart = echarts.init(el, null, { renderer: "canvas", locale: "ZH" });
    chart.setOption(option(spec, el.clientWidth));
    var lastWidth = el.clientWidth;
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (el.clientWidth !== lastWidth) {
          lastWidth = el.clientWidth;
          chart.setOption(option(spec, lastWidth));
        }
        chart.resize();
      }, 100);
    });
  }

  function start() {
    document.querySelectorAll("[data-chart]").forEach(render);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
