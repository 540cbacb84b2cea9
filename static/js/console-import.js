/* Progress of a compound import (issue #8): poll the batch until the background task has
   read (or imported) the file, then reload to show the result. */
(function () {
  "use strict";
  var panel = document.getElementById("import-progress");
  if (!panel) { return; }
  var bar = panel.querySelector("progress");
  var text = panel.querySelector("#progress-text");
  function poll() {
    fetch(panel.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (!state.working) { window.location.assign(state.url); return; }
        if (state.total) {
          bar.value = state.percent;
          text.textContent = state.processed + " / " + state.total + " (" + state.percent + "%)";
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
