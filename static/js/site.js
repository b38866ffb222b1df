// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Compare: the button says how many models are ticked and is enabled for 2 to 4.
  var form = document.getElementById("compare-form");
  if (form) {
    var button = document.getElementById("compare-button");
    var boxes = form.querySelectorAll("input.compare-box");
    var update = function () {
      var n = 0;
      boxes.forEach(function (box) { if (box.checked) { n += 1; } });
      button.textContent = n ? "Compare selected (" + n + ")" : "Compare selected";
      button.disabled = n === 1 || n > 4;
    };
    boxes.forEach(function (box) { box.addEventListener("change", update); });
  }
  // Badge snippet: select it all on focus so it can be copied at once.
  document.querySelectorAll("input.copy-source").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
})();
