// Reload the page every N seconds (the body's data-refresh) unless the visitor turned it off.
(function () {
  "use strict";
  var seconds = parseInt(document.body.getAttribute("data-refresh") || "0", 10);
  var box = document.getElementById("auto-refresh");
  var key = "tapestry-dashboard-refresh";
  if (!box || !(seconds > 0)) {
    return;
  }
  box.checked = window.localStorage.getItem(key) !== "off";
  box.addEventListener("change", function () {
    window.localStorage.setItem(key, box.checked ? "on" : "off");
  });
  window.setInterval(function () {
    if (box.checked && document.visibilityState === "visible") {
      window.location.reload();
    }
  }, seconds * 1000);
})();
