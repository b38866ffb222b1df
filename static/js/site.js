// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Compare on the leaderboard: the button says how many models are ticked and is enabled
  // for 2 to 4 (it sits in a bar that sticks to the top of the table, beside the hint).
  var form = document.getElementById("compare-form");
  if (form) {
    var button = document.getElementById("compare-button");
    var boxes = form.querySelectorAll("input.compare-box");
    var update = function () {
      var n = 0;
      boxes.forEach(function (box) { if (box.checked) { n += 1; } });
      button.textContent = n ? "Compare selected (" + n + ")" : "Compare selected";
      button.disabled = n < 2 || n > 4;
    };
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    update();
  }
  // Filters fold behind their summary on a phone, unless the visitor is using them.
  document.querySelectorAll("details[data-fold-below]").forEach(function (details) {
    var width = parseInt(details.getAttribute("data-fold-below"), 10);
    if (!details.hasAttribute("data-keep-open") && window.matchMedia("(max-width: " + width + "px)").matches) {
      details.open = false;
    }
  });
  // Compare page: model ids suggested from the API as one types; Compare waits for two ids.
  var pick = document.getElementById("compare-pick");
  if (pick) {
    var list = document.getElementById("model-ids");
    var inputs = pick.querySelectorAll("input[name=m]");
    var submit = document.getElementById("compare-submit");
    var timer = null;
    var refresh = function () {
      var filled = 0;
      inputs.forEach(function (input) { if (input.value.trim()) { filled += 1; } });
      submit.disabled = filled < 2;
    };
    var suggest = function (text) {
      if (text.length < 2) { return; }
      var url = "/api/v1/models/?show=all&page_size=10&q=" + encodeURIComponent(text);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          while (list.firstChild) { list.removeChild(list.firstChild); }
          (data.results || []).forEach(function (model) {
            var option = document.createElement("option");
            option.value = model.id;  // text only: nothing from the API becomes markup
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are optional */ });
    };
    inputs.forEach(function (input) {
      input.addEventListener("input", function () {
        refresh();
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { suggest(input.value.trim()); }, 200);
      });
    });
    refresh();
  }
  // Badge snippet: select it all on focus so it can be copied at once.
  document.querySelectorAll("input.copy-source, textarea.copy-source").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
})();
