// Thumbnails of the photos chosen for upload, before they are sent (one preview per file).
(function () {
  "use strict";
  var form = document.getElementById("photo-form");
  var box = document.getElementById("photo-preview");
  if (!form || !box) return;
  function render() {
    box.textContent = "";
    var inputs = form.querySelectorAll("input[type=file]");
    var n = 0;
    inputs.forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) {
        n += 1;
        var fig = document.createElement("figure");
        var img = document.createElement("img");
        img.alt = "待上传照片 " + n + "：" + file.name;
        img.src = URL.createObjectURL(file);
        img.onload = function () { URL.revokeObjectURL(img.src); };
        var cap = document.createElement("figcaption");
        cap.textContent = file.name;
        fig.appendChild(img);
        fig.appendChild(cap);
        box.appendChild(fig);
      });
    });
  }
  form.addEventListener("change", render);
})();
