// The artwork gallery: cards still working refresh by themselves, pictures open large.
"use strict";

(() => {
  const POLL_MS = 3000;
  const API = "/api/artwork/";

  // -- cards still being prepared, uploaded or described -------------------------------
  // Each asks the API how it is doing; one that moved on is replaced by its card from
  // a fresh copy of this page, so its text and buttons are exactly what the server says.

  async function poll() {
    const working = [...document.querySelectorAll("tr.artwork-card[data-working]")];
    if (!working.length) return;
    const moved = [];
    for (const card of working) {
      try {
        const response = await fetch(API + card.dataset.id, { credentials: "same-origin" });
        if (response.status === 404) { card.remove(); continue; }
        if (!response.ok) continue;
        const artwork = await response.json();
        // Each TV's part too: one TV finishing while another still works changes no word.
        const placed = artwork.placements
          .map((p) => `${p.tv_id}:${p.status}${p.replacing ? "+" : ""} `).join("");
        if (artwork.status !== card.dataset.status || artwork.analysis_status !== card.dataset.analysis ||
            placed !== card.dataset.placements) {
          moved.push(card);
        }
      } catch (error) {
        // Docent restarting: ask again on the next round.
      }
    }
    if (moved.length) await replace(moved);
    window.setTimeout(poll, POLL_MS);
  }

  async function replace(cards) {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const card of cards) {
      const next = fresh.getElementById(card.id);
      if (!next) continue;
      const checked = card.querySelector("input.action-select")?.checked;
      const box = next.querySelector("input.action-select");
      if (box && checked) { box.checked = true; next.classList.add("selected"); }
      card.replaceWith(document.adoptNode(next));
    }
    bindOpeners();
  }

  // -- the lightbox: ←/→ step through the page's pictures, Esc closes -------------------

  const dialog = document.getElementById("artwork-lightbox");
  let index = 0;

  function openers() {
    return [...document.querySelectorAll(".artwork-open")];
  }

  function show(at) {
    const all = openers();
    if (!all.length) return;
    index = (at + all.length) % all.length;
    const opener = all[index];
    dialog.querySelector("img").src = opener.dataset.image;
    dialog.querySelector("img").alt = opener.dataset.title;
    dialog.querySelector("figcaption").textContent =
      `${opener.dataset.title} (${index + 1} of ${all.length})`;
  }

  function bindOpeners() {
    openers().forEach((button) => {
      button.onclick = () => {
        show(openers().indexOf(button));
        dialog.showModal();
        dialog.querySelector("[data-close]").focus();
      };
    });
  }

  function setUpLightbox() {
    if (!dialog) return;
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        event.preventDefault();
        show(index + (event.key === "ArrowRight" ? 1 : -1));
      } else if (event.key === "Tab") {
        // A modal dialog lets Tab leave for the browser's own bar: keep it in the lightbox.
        const buttons = [...dialog.querySelectorAll("button")];
        const at = buttons.indexOf(document.activeElement);
        event.preventDefault();
        buttons[(at + (event.shiftKey ? -1 : 1) + buttons.length) % buttons.length].focus();
      }
    });
    dialog.querySelectorAll("[data-step]").forEach((button) => {
      button.addEventListener("click", () => show(index + Number(button.dataset.step)));
    });
    dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
    // A click on the backdrop (the dialog itself, outside its content) closes it too.
    dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); });
    // Back to the card of the picture last shown, so the keyboard carries on from there.
    dialog.addEventListener("close", () => openers()[index]?.focus());
    bindOpeners();
  }

  // -- on a phone, the filters above the cards start folded -----------------------------
  // Unless one is in use, or the owner opened it before (Django remembers that).

  function foldFiltersOnAPhone() {
    if (!window.matchMedia("(max-width: 767px)").matches) return;
    const remembered = JSON.parse(sessionStorage.getItem("django.admin.filtersState") || "{}");
    for (const details of document.querySelectorAll("#changelist-filter details")) {
      const inUse = details.querySelector("li.selected:not(:first-child)");
      if (!(details.dataset.filterTitle in remembered) && !inUse) details.open = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    foldFiltersOnAPhone();
    setUpLightbox();
    window.setTimeout(poll, POLL_MS);
  });
})();
