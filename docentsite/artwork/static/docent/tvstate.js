// The header's TV dot: the page showed the last state known; this asks for a newer one
// now and every 30 seconds while the page is visible (the server asks the TV at most
// that often, however many pages are open).
(() => {
  const link = document.getElementById("docent-tv");
  if (!link) return;
  const word = link.querySelector(".docent-tv-word");
  const refresh = async () => {
    if (document.hidden) return;
    try {
      const response = await fetch(link.dataset.url, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const state = await response.json();
      link.dataset.state = state.key;
      link.title = state.detail;
      word.textContent = state.word;
    } catch (error) {
      // Docent itself is out of reach: keep the last state rather than guess.
    }
  };
  refresh();
  setInterval(refresh, 30000);
  document.addEventListener("visibilitychange", refresh);
})();
