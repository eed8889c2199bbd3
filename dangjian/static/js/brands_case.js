// The case editor's live count of 字 (same rule as the server: non-whitespace characters, or Han only).
(function () {
  "use strict";
  var form = document.getElementById("case-form");
  var out = document.getElementById("case-count");
  if (!form || !out) return;
  var limit = parseInt(form.getAttribute("data-limit"), 10);
  var han = form.getAttribute("data-mode") === "han";
  function count(text) {
    var m = han ? text.match(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g) : text.replace(/\s/g, "").match(/[\s\S]/gu);
    return m ? m.length : 0;
  }
  function update() {
    var n = 0;
    form.querySelectorAll("textarea").forEach(function (t) { n += count(t.value); });
    out.textContent = String(n);
    out.parentNode.classList.toggle("over", n > limit);
  }
  form.addEventListener("input", update);
  update();
})();
