// Tables: label each cell of a card-list table from its column heading (the CSS shows the label on
// phones), and say so when a wide table has more columns than fit ("左右滑动查看更多列").
(function () {
  "use strict";

  function labelCells(table) {
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) return;
    var names = Array.prototype.map.call(heads, function (th) { return th.textContent.trim(); });
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      var col = 0;
      Array.prototype.forEach.call(tr.children, function (cell) {
        if (!cell.hasAttribute("data-label") && cell.colSpan === 1 && names[col]) cell.setAttribute("data-label", names[col]);
        col += cell.colSpan || 1;
      });
    });
  }

  function hintScroll(wrap) {
    var hint = wrap.previousElementSibling;
    var has = hint && hint.classList.contains("scroll-hint");
    var cut = wrap.scrollWidth > wrap.clientWidth + 2;
    if (cut && !has) {
      hint = document.createElement("p");
      hint.className = "scroll-hint";
      hint.textContent = "表格较宽：左右滑动查看更多列 →";
      wrap.parentNode.insertBefore(hint, wrap);
    } else if (!cut && has) {
      hint.remove();
    }
  }

  function init(root) {
    root.querySelectorAll("table.cards").forEach(labelCells);
    document.querySelectorAll(".table-wrap").forEach(hintScroll);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
  window.addEventListener("resize", function () { document.querySelectorAll(".table-wrap").forEach(hintScroll); });
})();
