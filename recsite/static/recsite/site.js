// Progressive enhancement of the Like / Save / Not interested forms (see
// recsite/_article_actions.html and the feed's cards, recsite/_for_you_cards.html): send them
// with fetch and show the pressed state in place; "Not interested" on a card hides the card.
// "More for you" fetches the feed's next batch and appends it. Without JavaScript, or if
// anything goes wrong here, the forms post and the link opens normally.
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
    const card = form.closest(".card");
    if (card && form.hasAttribute("data-hides-card")) {
      // Said where the card was, in the feed's own live region (the card's goes with it).
      const feedStatus = card.closest(".for-you")?.querySelector(".feed-status");
      if (feedStatus) feedStatus.textContent = data.message || "";
      card.hidden = true;
    }
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

// "More for you" (recsite/_for_you.html): fetch the next batch as JSON ({html, next}), append
// its cards to the feed and point the link at the batch after it (or remove it at the end).
document.addEventListener("click", async (event) => {
  const link = event.target.closest("a[data-feed-more]");
  if (!link) return;
  event.preventDefault();
  if (link.getAttribute("aria-busy") === "true") return;
  link.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(link.href, {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const data = await response.json();
    const feed = link.closest(".for-you").querySelector("[data-feed]");
    const before = feed.querySelectorAll(".card").length;
    feed.insertAdjacentHTML("beforeend", data.html);
    // Keyboard and screen-reader users continue at the first new card.
    const first = feed.querySelectorAll(".card")[before];
    if (first) first.querySelector(".card-title a").focus();
    if (data.next) {
      link.href = data.next;
    } else {
      link.closest(".feed-more").remove();
    }
  } catch (error) {
    window.location.href = link.href;  // the plain link: the next batch as a page
  } finally {
    link.removeAttribute("aria-busy");
  }
});
