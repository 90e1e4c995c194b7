// Live update of the ranking while the weights change: fetch the same page with the weights as query
// (as the »Auswirkung anzeigen« button does) and swap in its result. Without JavaScript the button works.
(function () {
  "use strict";
  var form = document.getElementById("gewichte");
  if (!form || !window.fetch || !window.DOMParser) return;
  var timer = null;
  function refresh() {
    var query = new URLSearchParams(new FormData(form)).toString();
    fetch(form.action + "?" + query, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        ["ergebnis"].forEach(function (id) {
          var fresh = page.getElementById(id), old = document.getElementById(id);
          if (fresh && old) old.replaceWith(fresh);
        });
        var save = document.querySelector(".steering-save"), freshSave = page.querySelector(".steering-save");
        if (save) save.remove();
        if (freshSave) form.insertAdjacentElement("afterend", freshSave);
        var alert = document.getElementById("fehler"), freshAlert = page.getElementById("fehler");
        if (alert) alert.remove();
        if (freshAlert) form.insertAdjacentElement("beforebegin", freshAlert);
        if (window.history && history.replaceState) history.replaceState(null, "", "?" + query);
      })
      .catch(function () { /* the button still works */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
})();
