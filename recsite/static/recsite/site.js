// Progressive enhancement of the Like / Bookmark / Not interested forms (see
// recsite/_article_actions.html): send them with fetch and show the pressed state in place.
// Without JavaScript, or if anything goes wrong here, the forms post normally.
"use strict";

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-event-form]");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  const status = form.parentElement.querySelector(".action-status");
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
      },
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = await response.json();
    if (!data.ok) throw new Error("not recorded");
    button.setAttribute("aria-pressed", "true");
    button.textContent = button.dataset.pressedLabel || button.textContent;
    if (status) status.textContent = data.message || "";
  } catch (error) {
    // Fall back to the plain form post; form.submit() does not fire "submit" again.
    form.submit();
  }
});
