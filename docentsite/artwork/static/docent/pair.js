// "Pair with TV" (the status page, a TV's page in the admin): the answer waits for the
// owner at the TV, so keep the page alive and say so meanwhile.
"use strict";

document.addEventListener("submit", async (event) => {
  const form = event.target.closest(".docent-pair");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button");
  const status = form.querySelector(".docent-pair-wait");
  button.disabled = true;
  status.textContent = "Waiting for the TV… press Allow on the TV now.";
  try {
    // Not following the redirect leaves its message for the reload to show.
    await fetch(form.action, { method: "POST", body: new FormData(form),
                               credentials: "same-origin", redirect: "manual" });
    window.location.reload();
  } catch (error) {
    status.textContent = "Docent did not answer. Reload the page and try again.";
    button.disabled = false;
  }
});
