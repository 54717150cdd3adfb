// uncounted web app: charts from embedded Vega-Lite specs, and keyboard review.
// Nothing here talks to any server but the app itself.
(function () {
  "use strict";

  function drawCharts() {
    if (typeof window.vegaEmbed !== "function") return;
    document.querySelectorAll("script[type='application/json'][data-chart]").forEach(function (el) {
      var target = document.getElementById(el.dataset.chart);
      if (!target) return;
      var spec = JSON.parse(el.textContent);
      window.vegaEmbed(target, spec, { actions: false, renderer: "svg" }).then(function () {
        target.dataset.drawn = "yes";
      }).catch(function (err) {
        target.textContent = "chart could not be drawn: " + err;
      });
    });
  }

  function reviewKeys() {
    var form = document.getElementById("decide");
    if (!form) return;
    var choice = form.querySelector("input[name='decision']");
    var sent = false;
    function send(decision) {
      if (sent) return;  // one decision per page: a second key press must not count twice
      sent = true;
      choice.value = decision;
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      form.submit();
    }
    form.querySelectorAll("button[data-decision]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        send(button.dataset.decision);
      });
    });
    var keys = { a: "accept", r: "reject", s: "skip" };
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var tag = (event.target && event.target.tagName) || "";
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
      var decision = keys[event.key.toLowerCase()];
      if (decision) {
        event.preventDefault();
        send(decision);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    reviewKeys();
  });
})();
