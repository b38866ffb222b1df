// The correction form: show only the fields of the chosen fact, and the current values of the
// chosen model (fetched from the admin as escaped HTML). Without JavaScript every field shows.
"use strict";
(function () {
  function factGroup(fact) {
    return ["weights", "training_data", "training_code", "license_grade"].indexOf(fact) >= 0 ? "judgment" : fact;
  }
  function showFact() {
    var select = document.getElementById("id_fact");
    if (!select) { return; }
    var group = factGroup(select.value);
    document.querySelectorAll("fieldset.fact-fields").forEach(function (set) {
      set.hidden = !!select.value && !set.classList.contains("fact-" + group);
    });
  }
  function loadCurrent(modelId) {
    var panel = document.getElementById("current-values");
    if (!panel || !/^\d+$/.test(modelId || "")) { return; }
    var url = panel.dataset.urlTemplate.replace(/0\/$/, modelId + "/");
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      if (html) { panel.innerHTML = html; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var fact = document.getElementById("id_fact");
    if (fact) { fact.addEventListener("change", showFact); showFact(); }
    var model = document.getElementById("id_model");
    if (model && window.django && window.django.jQuery) {
      // select2 (the admin's autocomplete) announces its choice through jQuery
      window.django.jQuery(model).on("change", function () { loadCurrent(model.value); });
    }
  });
})();
