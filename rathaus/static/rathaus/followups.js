/* Follow-up questions without a round trip through "Weiter": when an answer that decides whether further
   questions apply changes, the server renders the step again from what is typed (_action=refresh, nothing is
   stored) and the fields are swapped in. Inputs that exist before and after keep their node (a chosen file
   stays chosen, focus stays where it was). Without this script "Weiter" reveals the questions instead. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-followups]");
  if (!form || !window.fetch || !window.DOMParser) return;
  var controllers = (form.getAttribute("data-followups") || "").split(" ").filter(Boolean);
  if (!controllers.length) return;
  var pending = null;

  function fieldName(name) {
    // "hunde.hund.0.rasse" -> "hunde.hund.rasse"; address parts name their field: "a.b.anschrift.postal_code"
    var parts = name.split(".").filter(function (p) { return !/^\d+$/.test(p); });
    return parts.slice(0, 3).join(".");
  }

  function fieldCount(root) {
    return root.querySelectorAll("input:not([type=hidden]), select, textarea").length;
  }

  function refresh() {
    var body = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string" && key !== "_action") body.append(key, value);
    });
    body.append("_action", "refresh");
    var request = fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin", headers: {"X-Requested-With": "fetch"}
    });
    pending = request;
    request.then(function (response) { return response.text(); }).then(function (html) {
      if (pending !== request) return; // a newer answer is on its way
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("step-fields");
      var current = document.getElementById("step-fields");
      if (!fresh || !current) return;
      var focused = document.activeElement && document.activeElement.id;
      var before = fieldCount(current);
      fresh.querySelectorAll("input[id], select[id], textarea[id]").forEach(function (node) {
        var old = document.getElementById(node.id);
        if (old && old.type === "file" && old.files && old.files.length) node.replaceWith(old);
      });
      current.replaceWith(fresh);
      if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
      var after = fieldCount(fresh);
      var status = document.getElementById("followup-status");
      if (status && after !== before) {
        status.textContent = after > before ? status.getAttribute("data-more") : status.getAttribute("data-fewer");
      }
    }).catch(function () { /* "Weiter" still reveals the questions */ });
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.name && controllers.indexOf(fieldName(target.name)) !== -1) refresh();
  });
})();
