/* Small behaviours for every page. The Content-Security-Policy allows no inline script or
 * event handler (no onclick=…), so pages mark elements with data attributes instead:
 *   <button type="button" data-print>打印</button>              prints the page
 *   <form data-confirm="确定撤销该角色？">                          asks before submitting
 *   .matrix                                                       scrolled to its latest months
 * Loaded with `defer` from base.html. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Show the latest months first on a phone: scroll the compliance matrix to its right end.
  document.querySelectorAll(".matrix").forEach(function (el) {
    el.scrollLeft = el.scrollWidth;
  });
})();
