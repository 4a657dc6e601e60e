/* The status page's answer form: refuse, before anything is sent, files the server would
   refuse anyway (too many, or one too large). The limits and the messages, already in the
   page's language, are data attributes of the file input (requests_app/forms.py ReplyForm).
   The server checks everything again; this only spares the requester a long upload that
   ends in an error. Loaded as a file, never inline, for the Content-Security-Policy. */
(function () {
  "use strict";
  var input = document.querySelector("input[type=file][data-max-files]");
  if (!input || !input.form) { return; }
  var maxFiles = parseInt(input.getAttribute("data-max-files"), 10);
  var maxBytes = parseInt(input.getAttribute("data-max-file-bytes"), 10);
  var feedback = document.createElement("div");
  feedback.className = "invalid-feedback d-block";
  feedback.setAttribute("data-testid", "upload-refused");
  feedback.setAttribute("role", "alert");
  feedback.hidden = true;
  input.insertAdjacentElement("afterend", feedback);

  function problems() {
    var found = [];
    var files = input.files || [];
    if (files.length > maxFiles) { found.push(input.getAttribute("data-too-many")); }
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > maxBytes) {
        found.push(input.getAttribute("data-too-large").replace("%(name)s", files[i].name));
      }
    }
    return found;
  }

  function show(found) {
    feedback.textContent = found.join(" ");
    feedback.hidden = found.length === 0;
    input.classList.toggle("is-invalid", found.length > 0);
  }

  input.addEventListener("change", function () { show(problems()); });
  input.form.addEventListener("submit", function (event) {
    var found = problems();
    show(found);
    if (found.length) {
      event.preventDefault();
      input.focus();
    }
  });
}());
