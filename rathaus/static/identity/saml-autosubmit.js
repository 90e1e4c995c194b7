// Sends the SAML request on without a click; without JavaScript the button does the same.
document.getElementById("saml-weiter")?.submit();
