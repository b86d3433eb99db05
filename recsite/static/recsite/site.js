// Progressive enhancement of the Like / Bookmark / Not interested forms (see
// recsite/_article_actions.html): send them with fetch and show the pressed state in place.
// Without JavaScript, or if anything goes wrong here, the forms post normally.
"use strict";

// POST `body` to `form`'s action with its CSRF token, asking for JSON; the answer's data, or an
// error (for the caller to fall back to the plain form post) unless the server recorded it.
async function postForm(form, body) {
  const response = await fetch(form.action, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: {
      "Accept": "application/json",
      "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
    },
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const data = await response.json();
  if (!data.ok) throw new Error("not recorded");
  return data;
}

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-event-form]");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  const status = form.parentElement.querySelector(".action-status");
  button.disabled = true;
  try {
    const data = await postForm(form, new FormData(form));
    button.setAttribute("aria-pressed", "true");
    button.textContent = button.dataset.pressedLabel || button.textContent;
    if (status) status.textContent = data.message || "";
  } catch (error) {
    // Fall back to the plain form post; form.submit() does not fire "submit" again.
    form.submit();
  }
});

// Thumbs on the reason of a recommended card (recsite/_explanation.html): send the vote with
// fetch, press the button in place, ask what was wrong after a thumbs-down, and dim the card
// when the article leaves the reader's list. Without JavaScript the forms post normally.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-thumbs-form], form[data-reason-form]");
  if (!form) return;
  event.preventDefault();
  const box = form.closest(".explanation");
  const body = new FormData(form, event.submitter);
  const buttons = form.querySelectorAll("button");
  buttons.forEach((button) => { button.disabled = true; });
  try {
    const data = await postForm(form, body);
    box.querySelectorAll(".thumb").forEach((thumb) => {
      thumb.setAttribute("aria-pressed", String(thumb.value === data.vote));
    });
    box.querySelector("form[data-reason-form]").hidden = !data.ask_reason;
    box.querySelector(".thumbs-status").textContent = data.message;
    if (data.removed) box.closest(".card").classList.add("card-dismissed");
  } catch (error) {
    // Fall back to the plain form post (with the clicked button's vote).
    if (event.submitter && event.submitter.name) {
      const vote = document.createElement("input");
      vote.type = "hidden";
      vote.name = event.submitter.name;
      vote.value = event.submitter.value;
      form.appendChild(vote);
    }
    form.submit();
    return;
  } finally {
    buttons.forEach((button) => { button.disabled = false; });
  }
});
