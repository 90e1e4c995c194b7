// Glue for the scripts of django-otp-webauthn on the staff pages (second factor, security keys).
(() => {
  "use strict";
  const BUTTONS = new Set(["passkey-register-button", "passkey-verification-button"]);

  // The package writes its button labels as plain text; KERN colours a button's text only inside
  // <span class="kern-label">, so wrap the text again whenever it changes (contrast, WCAG 1.4.3).
  function relabel(button) {
    if (button.childNodes.length === 1 && button.firstChild.nodeType === Node.TEXT_NODE) {
      const label = document.createElement("span");
      label.className = "kern-label";
      label.textContent = button.textContent;
      button.replaceChildren(label);
    }
  }
  new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      if (BUTTONS.has(mutation.target.id)) relabel(mutation.target);
    }
  }).observe(document.documentElement, { childList: true, subtree: true });

  // After a key was registered, load the page again: the list shows the new key and the message from the
  // server confirms it.
  document.addEventListener("otp_webauthn.register_complete", () => window.location.reload());
})();
