// "Import from Immich": browse albums and All photos through /api/immich/ and queue imports.
// The same page as Import from Plex (its grid, selection, progress and re-import question).
// No framework: the page's state is a few variables, the DOM is rebuilt from it.
"use strict";

(function () {
  const root = document.getElementById("immich-browser");
  if (!root) return;

  const API = root.dataset.api;
  const PAGE_SIZE = 50;
  const POLL_MS = 1500;
  const ENDED = ["done", "failed"];
  // A picture still on its way to one of the TVs (its record may be done already).
  const ON_ITS_WAY = ["queued", "uploading"];
  const TV_WORDS = {
    queued: "waiting…", uploading: "uploading…", on_tv: "on the TV", failed: "failed",
    needs_attention: "needs attention", removed: "removed",
  };
  const $ = (id) => document.getElementById(id);
  const csrfInput = document.querySelector("input[name=csrfmiddlewaretoken]");

  const view = { show: "photos", album: null, page: 1, hideImported: false };
  let albums = [];
  let items = [];
  let anchor = null; // index of the last photo clicked, for shift-click ranges
  const selected = new Map(); // asset_id -> title
  const titles = new Map();
  const imported = new Set(); // photos seen on the TV already, to ask before a second copy
  let following = 0;
  let retryable = [];

  // -- talking to the API ---------------------------------------------------------------

  async function api(path, options = {}) {
    const headers = { Accept: "application/json" };
    if (options.body) {
      headers["Content-Type"] = "application/json";
      headers["X-CSRFToken"] = csrfInput ? csrfInput.value : "";
    }
    const response = await fetch(API + path, { credentials: "same-origin", ...options, headers });
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!response.ok) {
      throw new Error(problem(body, response));
    }
    return body;
  }

  // A refused parameter (422) comes as a list of {loc, msg}: say which and why.
  function problem(body, response) {
    const detail = body && body.detail;
    if (Array.isArray(detail)) {
      return detail.map((item) => `${(item.loc || []).slice(-1)[0]}: ${item.msg}`).join("; ");
    }
    return detail || `${response.status} ${response.statusText}`;
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function message(...content) {
    const box = $("immich-message");
    box.replaceChildren(...content);
    box.hidden = content.length === 0;
  }

  function notice(kind, lines) {
    const box = $("immich-notice");
    box.className = `immich-notice ${kind}`;
    box.replaceChildren(...lines.map((line) => el("p", { text: line })));
    box.hidden = lines.length === 0;
  }

  // -- where we are: kept in the address, so reload and back work -----------------------

  function readAddress() {
    const params = new URLSearchParams(window.location.search);
    view.show = params.get("show") === "albums" ? "albums" : "photos";
    view.album = params.get("album");
    view.page = Math.max(parseInt(params.get("page") || "1", 10) || 1, 1);
    view.hideImported = params.get("hide_imported") === "1";
  }

  function writeAddress(push) {
    const params = new URLSearchParams();
    if (view.show !== "photos") params.set("show", view.show);
    if (view.album) params.set("album", view.album);
    if (view.page > 1) params.set("page", String(view.page));
    if (view.hideImported) params.set("hide_imported", "1");
    const url = `${window.location.pathname}?${params}`;
    if (push) window.history.pushState(null, "", url);
    else window.history.replaceState(null, "", url);
  }

  function go(changes) {
    Object.assign(view, changes);
    anchor = null;
    writeAddress(true);
    load();
  }

  // -- start: is Immich there, which albums ------------------------------------------------

  async function start() {
    let status;
    try {
      status = await api("status");
    } catch (error) {
      message(el("strong", { text: "Docent could not ask for the Immich status: " }), error.message);
      return;
    }
    if (!status.configured) {
      message(
        el("strong", { text: "Immich is not configured." }),
        el("p", { text: "Add these lines to Docent's .env file and restart Docent:" }),
        el("pre", { text: "IMMICH_URL=http://<server>:2283\nIMMICH_API_KEY=<your Immich API key>" }),
      );
      return;
    }
    if (!status.connected) {
      message(
        el("strong", { text: "Immich is not reachable. " }),
        el("span", { class: "immich-error", text: status.error || "" }),
        el("p", { text: "Is Immich running, and are IMMICH_URL and IMMICH_API_KEY right?" }),
      );
      return;
    }
    try {
      albums = await api("albums");
    } catch (error) {
      message(el("strong", { text: "Immich did not list its albums: " }), error.message);
      return;
    }
    const picker = $("immich-view");
    picker.addEventListener("change", () => go({ show: picker.value, album: null, page: 1 }));
    $("immich-import-album").addEventListener("click", importAlbum);
    $("immich-hide-imported").addEventListener("change", (event) =>
      go({ hideImported: event.target.checked, page: 1 }));
    for (const end of ["", "-top"]) {
      $(`immich-prev${end}`).addEventListener("click", () => go({ page: view.page - 1 }));
      $(`immich-next${end}`).addEventListener("click", () => go({ page: view.page + 1 }));
    }
    $("immich-select-all").addEventListener("click", selectAllOnPage);
    $("immich-select-none").addEventListener("click", () => { selected.clear(); showSelection(); });
    $("immich-import").addEventListener("click", importSelected);
    for (const box of tvBoxes()) box.addEventListener("change", showSelection);
    $("immich-retry").addEventListener("click", retryFailed);
    window.addEventListener("popstate", () => { readAddress(); load(); });

    readAddress();
    writeAddress(false);
    $("immich-toolbar").hidden = false;
    $("immich-selection").hidden = false;
    load();
    followUnderWay();
  }

  // Imports started before this page was (re)loaded: follow them too.
  async function followUnderWay() {
    const ids = [];
    try {
      for (const status of ["running", "queued"]) {
        const answer = await api(`imports?status=${status}&page_size=100`);
        for (const record of answer.items) {
          titles.set(record.asset_id, record.title);
          ids.push(record.asset_id);
        }
      }
    } catch (_) {
      return; // the page works without it; the next import shows its own progress
    }
    if (ids.length && following === 0) follow({ queued: ids, skipped: [], errors: [] });
  }

  // -- one page: All photos, the albums, or an album -------------------------------------

  // Only the newest load may draw: a slow answer for a page left behind must not
  // overwrite the one the owner has moved on to.
  let loading = 0;

  async function load() {
    const ticket = ++loading;
    $("immich-view").value = view.show;
    $("immich-hide-imported").checked = view.hideImported;
    if (view.show === "albums" && !view.album) {
      items = albums.map((album) => ({ ...album, type: "album", title: album.name }));
      showCrumbs(null);
      showGrid();
      showPages({ page: 1, has_next: false });
      $("immich-album-bar").hidden = true;
      showSelection();
      message(...(items.length ? [] : ["Immich has no albums."]));
      return;
    }
    const params = new URLSearchParams({ page: String(view.page), page_size: String(PAGE_SIZE) });
    if (view.hideImported) params.set("hide_imported", "true");
    message("Loading…");
    root.setAttribute("aria-busy", "true");
    let page;
    try {
      page = await api(view.album ? `albums/${view.album}?${params}` : `photos?${params}`);
    } catch (error) {
      if (ticket !== loading) return;
      message(el("strong", { text: "Immich did not answer: " }), el("span", { class: "immich-error", text: error.message }));
      root.removeAttribute("aria-busy");
      return;
    }
    if (ticket !== loading) return;
    root.removeAttribute("aria-busy");
    items = page.items.map((item) => ({ ...item, type: "photo" }));
    for (const item of items) {
      titles.set(item.asset_id, item.title);
      if (item.imported) imported.add(item.asset_id);
      else imported.delete(item.asset_id);
    }
    showCrumbs(page.album);
    $("immich-album-bar").hidden = !page.album;
    showGrid();
    showPages(page);
    showSelection();
    message(...(items.length ? [] : [view.hideImported ? "Everything here is imported." : "Nothing here."]));
  }

  function showCrumbs(album) {
    const nav = $("immich-crumbs");
    const top = view.show === "albums" || album ? "Albums" : "All photos";
    const path = album ? [{ title: top }, { title: album.name }] : [{ title: top }];
    const parts = path.map((crumb, index) => {
      if (index === path.length - 1) return el("span", { "aria-current": "page", text: crumb.title });
      return el("a", {
        href: "#", text: crumb.title,
        onclick: (event) => { event.preventDefault(); go({ show: "albums", album: null, page: 1 }); },
      });
    });
    nav.replaceChildren(...parts.flatMap((part, i) => (i ? [el("span", { class: "sep", text: " › " }), part] : [part])));
    nav.hidden = false;
  }

  // Immich does not count its library: All photos turns pages while there is a next one.
  function showPages(page) {
    const known = page.total !== null && page.total !== undefined;
    const pages = known ? Math.max(Math.ceil(page.total / page.page_size), 1) : null;
    for (const end of ["", "-top"]) {
      $(`immich-page-label${end}`).textContent = pages ? `Page ${page.page} of ${pages}` : `Page ${page.page}`;
      $(`immich-prev${end}`).disabled = page.page <= 1;
      $(`immich-next${end}`).disabled = !page.has_next;
      $(`immich-pages${end}`).hidden = page.page <= 1 && !page.has_next;
    }
  }

  function photoIndexes() {
    return items.map((item, index) => (item.type === "photo" ? index : -1)).filter((i) => i >= 0);
  }

  function showGrid() {
    const grid = $("immich-grid");
    grid.replaceChildren(...items.map((item, index) => el("li", {}, tile(item, index))));
  }

  function tile(item, index) {
    const img = el("img", { src: item.thumbnail_url || "", alt: item.title, loading: "lazy" });
    // Loading shimmers; a thumbnail Immich could not give says so instead of a broken glyph.
    const thumb = el("span", { class: "immich-thumb loading" }, img);
    img.addEventListener("load", () => thumb.classList.remove("loading"));
    img.addEventListener("error", () => {
      thumb.classList.replace("loading", "broken");
      img.hidden = true;
      thumb.append(el("span", { class: "immich-thumb-broken", text: "No preview" }));
    });
    if (item.type === "album") {
      return el("button", {
        type: "button", class: "immich-tile album", "data-id": item.id,
        "aria-label": `Open album ${item.title}`,
        onclick: () => go({ show: "albums", album: item.id, page: 1 }),
      }, thumb, el("span", { class: "immich-title", text: item.title }),
      el("span", { class: "immich-date", text: `Album, ${item.asset_count} item(s)` }));
    }
    const state = item.imported ? "imported" : item.import_status || "";
    const badge = {
      imported: "✓ Imported", failed: "Import failed", queued: "Queued", running: "Importing",
      // Importing it again puts the same picture back on the TV.
      removed: "Removed from the TV: import puts it back",
    }[state];
    return el("button", {
      type: "button", class: `immich-tile photo ${state}`, "data-id": item.asset_id,
      "data-index": String(index), "aria-pressed": String(selected.has(item.asset_id)),
      onclick: (event) => toggle(index, event.shiftKey),
    }, thumb, badge && el("span", { class: `immich-badge ${state}`, text: badge }),
    el("span", { class: "immich-title", text: item.title }),
    el("span", { class: "immich-date", text: formatDate(item.taken_at) }));
  }

  function formatDate(value) {
    if (!value) return "No date";
    const date = new Date(`${value}T00:00:00`);
    return date.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
  }

  // -- selection ----------------------------------------------------------------------------

  function toggle(index, range) {
    const item = items[index];
    if (range && anchor !== null) {
      const [from, to] = anchor < index ? [anchor, index] : [index, anchor];
      for (const i of photoIndexes()) {
        if (i >= from && i <= to) selected.set(items[i].asset_id, items[i].title);
      }
    } else if (selected.has(item.asset_id)) {
      selected.delete(item.asset_id);
    } else {
      selected.set(item.asset_id, item.title);
    }
    anchor = index;
    showSelection();
  }

  function selectAllOnPage() {
    // Into a collection, the album's photos imported before belong too (the question
    // before importing lets them join it without a second copy).
    const all = collectionName() !== "";
    for (const i of photoIndexes()) {
      if (all || !items[i].imported) selected.set(items[i].asset_id, items[i].title);
    }
    showSelection();
  }

  function showSelection() {
    for (const button of document.querySelectorAll(".immich-tile.photo")) {
      button.setAttribute("aria-pressed", String(selected.has(button.dataset.id)));
    }
    $("immich-count").textContent = `${selected.size} selected`;
    const noTV = tvBoxes().length > 0 && tvsPicked().length === 0;
    $("immich-import").disabled = selected.size === 0 || noTV;
    $("immich-count").textContent += noTV ? " (choose a TV to send them to)" : "";
  }

  // -- which TVs: the picker is there only when there are several ---------------------------

  function tvBoxes() {
    return [...document.querySelectorAll("#immich-tvs input[name=immich-tv]")];
  }

  function tvsPicked() {
    return tvBoxes().filter((box) => box.checked);
  }

  function whereTo() {
    const names = tvsPicked().map((box) => box.dataset.name);
    if (names.length < 2) return names.length ? names[0] : "the TV";
    return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  }

  // -- importing and following the imports ----------------------------------------------

  async function importSelected() {
    const ids = [...selected.keys()];
    const again = ids.filter((id) => imported.has(id));
    let force = false;
    if (again.length) {
      const answer = await askAboutReimport(again, ids.length);
      if (answer === "cancel") return;
      force = answer === "again";
    }
    const button = $("immich-import");
    button.disabled = true;
    const answer = await requestImport(ids, force);
    if (!answer) {
      button.disabled = false;
      return;
    }
    selected.clear();
    showSelection();
    if (answer.queued.length) follow(answer);
  }

  // The whole album, as Immich lists it now: the server picks its pictures.
  async function importAlbum() {
    const button = $("immich-import-album");
    button.disabled = true;
    const answer = await requestImport([], false, view.album);
    button.disabled = false;
    if (answer && answer.queued.length) follow(answer);
  }

  // Already on the TV: importing again makes a second picture there, so ask first.
  function askAboutReimport(again, total) {
    const dialog = $("immich-confirm");
    const names = again.map((id) => titles.get(id) || id);
    const others = total - again.length;
    const several = tvBoxes().length > 0;
    $("immich-confirm-text").textContent =
      `${again.length === 1 ? "This photo is" : `These ${again.length} photos are`} already ` +
      (several
        ? `imported. Skipping sends ${again.length === 1 ? "it" : "them"} only to the TVs ` +
          "chosen that do not have it yet; importing again makes a second copy."
        : "on the TV. Importing again puts a second copy on the TV; skipping leaves the TV as it is.") +
      (others ? ` The other ${others} selected will be imported either way.` : "") +
      (collectionName() ? ` Either way all join the collection “${collectionName()}”.` : "");
    dialog.querySelector("button[value=skip]").textContent =
      several ? "Only to the TVs without it" : "Skip those on the TV";
    $("immich-confirm-list").replaceChildren(...names.map((name) => el("li", { text: name })));
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue || "cancel"), { once: true });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  async function requestImport(ids, force, album = null) {
    let answer;
    try {
      answer = await api("import", {
        method: "POST",
        body: JSON.stringify({
          asset_ids: ids, analyze: $("immich-analyze").checked, force,
          ...(album ? { album_id: album } : {}),
          ...(tvBoxes().length ? { tvs: tvsPicked().map((box) => Number(box.value)) } : {}),
          ...(collectionName() ? { collection: collectionName() } : {}),
        }),
      });
    } catch (error) {
      notice("error", [`Nothing was imported: ${error.message}`]);
      return null;
    }
    const name = (id) => titles.get(id) || id;
    const warnings = [
      ...answer.skipped.map((s) => `${name(s.asset_id)}: not imported, ${s.reason}.`),
      ...answer.errors.map((e) => `${name(e.asset_id)}: ${e.error}`),
    ];
    const collected = answer.collection
      ? [`${answer.added_to_collection} photo(s) put in the collection “${answer.collection}”.`] : [];
    notice(warnings.length ? "warning" : "info",
      [...(warnings.length ? warnings : [`${answer.queued.length} photo(s) queued for ${whereTo()}.`]),
       ...collected]);
    if (answer.collection) offerCollection(answer.collection);
    return answer;
  }

  // -- which collection: a name typed or picked from those there are ----------------------

  function collectionName() {
    const input = $("immich-collection");
    return input ? input.value.trim() : "";
  }

  function offerCollection(name) {
    const list = $("immich-collections");
    if (![...list.options].some((option) => option.value === name)) {
      list.append(el("option", { value: name }));
    }
  }

  function follow(answer) {
    const generation = ++following; // a newer import takes the progress panel over
    const rows = new Map();
    const list = $("immich-progress-list");
    list.replaceChildren(...answer.queued.map((id) => {
      const state = el("span", { class: "immich-state queued", text: "queued" });
      // Each TV's part, once there are several: "Living room: on the TV".
      const perTV = el("ul", { class: "immich-tv-states", "aria-label": "On each TV" });
      const row = el("li", { "data-id": id },
        el("span", { class: "immich-progress-title", text: titles.get(id) || id }),
        el("span", { class: "immich-progress-right" }, state, perTV));
      rows.set(id, { state, perTV, record: null });
      return row;
    }));
    $("immich-summary").textContent = "";
    $("immich-retry").hidden = true;
    $("immich-gallery").hidden = true;
    showBar(rows);
    $("immich-progress").hidden = false;

    let finished = false;
    const tick = async () => {
      if (generation !== following) return;
      try {
        await refreshRecords(rows);
      } catch (error) {
        $("immich-summary").textContent = `Could not check the imports (${error.message}); trying again.`;
      }
      if (generation !== following) return;
      showBar(rows);
      const records = [...rows.values()].map((row) => row.record);
      if (!finished && records.every((record) => record && ENDED.includes(record.status))) {
        finished = true;
        const failed = records.filter((record) => record.status === "failed");
        $("immich-summary").textContent =
          `Finished: ${records.length - failed.length} imported, ${answer.skipped.length} skipped, ` +
          `${failed.length + answer.errors.length} failed.`;
        retryable = failed.map((record) => record.asset_id);
        const retry = $("immich-retry");
        retry.textContent = `Retry failed (${retryable.length})`;
        retry.hidden = retryable.length === 0;
        $("immich-gallery").hidden = records.length === failed.length;
        load();
      }
      // A picture imported may still be on its way to a second TV: follow it there.
      if (finished && !records.some(onItsWay)) return;
      window.setTimeout(tick, POLL_MS);
    };
    window.setTimeout(tick, POLL_MS);
  }

  function showBar(rows) {
    const records = [...rows.values()].map((row) => row.record);
    const ended = records.filter((record) => record && ENDED.includes(record.status)).length;
    const bar = $("immich-bar");
    bar.max = records.length;
    bar.value = ended;
    $("immich-bar-label").textContent = `${ended} of ${records.length} finished`;
  }

  async function retryFailed() {
    const retry = $("immich-retry");
    retry.disabled = true;
    const answer = await requestImport(retryable, false);
    retry.disabled = false;
    if (answer && answer.queued.length) follow(answer);
  }

  function onItsWay(record) {
    return (record.placements || []).some((placement) => ON_ITS_WAY.includes(placement.status));
  }

  async function refreshRecords(rows) {
    const open = [...rows.entries()]
      .filter(([, row]) => !row.record || !ENDED.includes(row.record.status) || onItsWay(row.record))
      .map(([id]) => id);
    for (let start = 0; start < open.length; start += 100) {
      const params = new URLSearchParams({ page_size: "100" });
      for (const id of open.slice(start, start + 100)) params.append("asset_id", id);
      const answer = await api(`imports?${params}`);
      for (const record of answer.items) {
        const row = rows.get(record.asset_id);
        if (row) {
          row.record = record;
          showRecord(row);
        }
      }
    }
  }

  function showRecord(row) {
    const record = row.record;
    let text = record.status === "running" ? record.step : record.status;
    if (record.status === "done") {
      text = record.content_id && !tvBoxes().length ? `done (on the TV as ${record.content_id})` : "done";
    }
    if (record.status === "failed") text = `failed: ${record.error || "no reason given"}`;
    if (record.status === "queued") text = "queued";
    if (record.waiting_reason && !ENDED.includes(record.status)) {
      const next = record.next_attempt_at ? new Date(record.next_attempt_at) : null;
      text = `${text}, waiting: ${record.waiting_reason}` +
        (next ? ` Next try at ${next.toLocaleTimeString()}.` : "");
    }
    row.state.textContent = text;
    row.state.className = `immich-state ${record.status === "running" ? record.step : record.status}`;
    const placed = record.placements || [];
    row.perTV.replaceChildren(...(placed.length > 1 || tvBoxes().length ? placed : []).map((placement) =>
      el("li", { class: `immich-tv-state ${placement.status}`, "data-tv": String(placement.tv_id),
        text: `${placement.tv}: ${TV_WORDS[placement.status] || placement.status}` })));
  }

  start();
})();
