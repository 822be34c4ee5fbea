// "Import from Plex" (and from every library source: Google Drive): browse through
// /api/<source>/ and queue imports.
// No framework: the page's state is a few variables, the DOM is rebuilt from it.
"use strict";

(function () {
  const root = document.getElementById("plex-browser");
  if (!root) return;

  const API = root.dataset.api;
  // The same page serves every library source (Plex, Google Drive): what differs is
  // read from the page. A source with `data-folders` has one folder tree and no
  // libraries: /folders/{id} ("root": its top) instead of /libraries/{id}?album=.
  const ID = root.dataset.idField || "plex_metadata_id";
  const LABEL = root.dataset.label || "Plex";
  const FOLDERS = root.dataset.folders === "true";
  const SETUP = root.dataset.setup || "PLEX_URL=http://<server>:32400\nPLEX_TOKEN=<your Plex token>";
  const HINT = root.dataset.hint || "Is the Plex server running, and are PLEX_URL and PLEX_TOKEN right?";
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

  const view = { library: null, album: null, page: 1, hideImported: false };
  let libraries = [];
  let items = [];
  let anchor = null; // index of the last photo clicked, for shift-click ranges
  const selected = new Map(); // the source's id -> title
  const titles = new Map();
  const imported = new Set(); // photos seen on the TV already, to ask before a second copy
  let following = 0;
  let retryable = [];
  let folderShown = null; // FOLDERS: the id of the folder on the page

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
    const box = $("plex-message");
    box.replaceChildren(...content);
    box.hidden = content.length === 0;
  }

  function notice(kind, lines) {
    const box = $("plex-notice");
    box.className = `plex-notice ${kind}`;
    box.replaceChildren(...lines.map((line) => el("p", { text: line })));
    box.hidden = lines.length === 0;
  }

  // -- where we are: kept in the address, so reload and back work -----------------------

  function readAddress() {
    const params = new URLSearchParams(window.location.search);
    view.library = params.get("library");
    view.album = params.get("album");
    view.page = Math.max(parseInt(params.get("page") || "1", 10) || 1, 1);
    view.hideImported = params.get("hide_imported") === "1";
  }

  function writeAddress(push) {
    const params = new URLSearchParams();
    if (view.library) params.set("library", view.library);
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

  // -- start: is Plex there, which libraries ----------------------------------------------

  async function start() {
    let status;
    try {
      status = await api("status");
    } catch (error) {
      message(el("strong", { text: `Docent could not ask for the ${LABEL} status: ` }), error.message);
      return;
    }
    if (!status.configured) {
      message(
        el("strong", { text: `${LABEL} is not configured.` }),
        el("p", { text: "Add these lines to Docent's .env file and restart Docent:" }),
        el("pre", { text: SETUP }),
      );
      return;
    }
    if (!status.connected) {
      message(
        el("strong", { text: `${LABEL} is not reachable. ` }),
        el("span", { class: "plex-error", text: status.error || "" }),
        el("p", { text: HINT }),
      );
      return;
    }
    if (FOLDERS) {
      listen();
      readAddress();
      writeAddress(false);
      $("plex-toolbar").hidden = false;
      $("plex-selection").hidden = false;
      load();
      followUnderWay();
      return;
    }
    try {
      libraries = await api("libraries");
    } catch (error) {
      message(el("strong", { text: "Plex did not list its libraries: " }), error.message);
      return;
    }
    if (libraries.length === 0) {
      message(el("strong", { text: `${status.server.name} has no photo libraries. ` }),
        "Add one in Plex (a library of the type Photos), then reload this page.");
      return;
    }
    const picker = $("plex-library");
    picker.replaceChildren(...libraries.map((lib) =>
      el("option", { value: String(lib.id), text: `${lib.title} (${lib.photo_count ?? "?"} photos)` })));
    picker.addEventListener("change", () => go({ library: picker.value, album: null, page: 1 }));
    listen();

    readAddress();
    if (!libraries.some((lib) => String(lib.id) === view.library)) {
      view.library = String(libraries[0].id);
      view.album = null;
    }
    writeAddress(false);
    $("plex-toolbar").hidden = false;
    $("plex-selection").hidden = false;
    load();
    followUnderWay();
  }

  function listen() {
    $("plex-hide-imported").addEventListener("change", (event) =>
      go({ hideImported: event.target.checked, page: 1 }));
    for (const end of ["", "-top"]) {
      $(`plex-prev${end}`).addEventListener("click", () => go({ page: view.page - 1 }));
      $(`plex-next${end}`).addEventListener("click", () => go({ page: view.page + 1 }));
    }
    $("plex-select-all").addEventListener("click", selectAllOnPage);
    $("plex-select-none").addEventListener("click", () => { selected.clear(); showSelection(); });
    $("plex-import").addEventListener("click", importSelected);
    for (const box of tvBoxes()) box.addEventListener("change", showSelection);
    $("plex-retry").addEventListener("click", retryFailed);
    window.addEventListener("popstate", () => { readAddress(); load(); });
    const sync = $("plex-sync-folder");
    if (sync) sync.addEventListener("click", importFolder);
  }

  // Imports started before this page was (re)loaded: follow them too.
  async function followUnderWay() {
    const ids = [];
    try {
      for (const status of ["running", "queued"]) {
        const answer = await api(`imports?status=${status}&page_size=100`);
        for (const record of answer.items) {
          titles.set(record[ID], record.title);
          ids.push(record[ID]);
        }
      }
    } catch (_) {
      return; // the page works without it; the next import shows its own progress
    }
    if (ids.length && following === 0) follow({ queued: ids, skipped: [], errors: [] });
  }

  // -- one page of a library or album ------------------------------------------------------

  // Only the newest load may draw: a slow answer for the library or page left
  // behind must not overwrite the one the owner has moved on to.
  let loading = 0;

  async function load() {
    const ticket = ++loading;
    if (!FOLDERS) $("plex-library").value = view.library;
    $("plex-hide-imported").checked = view.hideImported;
    const params = new URLSearchParams({ page: String(view.page), page_size: String(PAGE_SIZE) });
    if (view.album && !FOLDERS) params.set("album", view.album);
    if (view.hideImported) params.set("hide_imported", "true");
    message("Loading…");
    root.setAttribute("aria-busy", "true");
    let page;
    try {
      page = await api(FOLDERS ? `folders/${view.album || "root"}?${params}`
        : `libraries/${view.library}?${params}`);
    } catch (error) {
      if (ticket !== loading) return;
      message(el("strong", { text: `${LABEL} did not answer: ` }), el("span", { class: "plex-error", text: error.message }));
      root.removeAttribute("aria-busy");
      return;
    }
    if (ticket !== loading) return;
    root.removeAttribute("aria-busy");
    items = page.items;
    folderShown = page.folder ? page.folder.id : null;
    for (const item of items) {
      titles.set(item[ID], item.title);
      if (item.imported) imported.add(item[ID]);
      else imported.delete(item[ID]);
    }
    showCrumbs(page);
    showGrid();
    showPages(page);
    showSelection();
    message(...(items.length ? [] : [view.hideImported ? "Everything here is imported." : "Nothing here."]));
  }

  function showCrumbs(page) {
    const path = FOLDERS ? page.path.map((crumb, index) => ({ ...crumb, id: index ? crumb.id : null }))
      : page.album ? page.album.path : [{ id: null, title: page.library.title }];
    const nav = $("plex-crumbs");
    const parts = path.map((crumb, index) => {
      if (index === path.length - 1) return el("span", { "aria-current": "page", text: crumb.title });
      return el("a", {
        href: "#", text: crumb.title,
        onclick: (event) => { event.preventDefault(); go({ album: crumb.id, page: 1 }); },
      });
    });
    nav.replaceChildren(...parts.flatMap((part, i) => (i ? [el("span", { class: "sep", text: " › " }), part] : [part])));
    nav.hidden = false;
  }

  function showPages(page) {
    const pages = Math.max(Math.ceil(page.total / page.page_size), 1);
    // The same pager above and below the photos: a phone need not scroll to turn a page.
    for (const end of ["", "-top"]) {
      $(`plex-page-label${end}`).textContent = `Page ${page.page} of ${pages}`;
      $(`plex-prev${end}`).disabled = page.page <= 1;
      $(`plex-next${end}`).disabled = page.page >= pages;
      $(`plex-pages${end}`).hidden = pages <= 1;
    }
  }

  function photoIndexes() {
    return items.map((item, index) => (item.type === "photo" ? index : -1)).filter((i) => i >= 0);
  }

  function showGrid() {
    const grid = $("plex-grid");
    grid.replaceChildren(...items.map((item, index) => el("li", {}, tile(item, index))));
  }

  function tile(item, index) {
    if (item.type === "folder") {
      return el("button", {
        type: "button", class: "plex-tile album", "data-id": item[ID],
        "aria-label": `Open folder ${item.title}`,
        onclick: () => go({ album: item[ID], page: 1 }),
      }, el("span", { class: "plex-thumb folder", "aria-hidden": "true" }),
      el("span", { class: "plex-title", text: item.title }),
      el("span", { class: "plex-date", text: "Folder" }));
    }
    const img = el("img", { src: item.thumbnail_url, alt: item.title, loading: "lazy" });
    // Loading shimmers; a thumbnail Plex could not give says so instead of a broken glyph.
    const thumb = el("span", { class: "plex-thumb loading" }, img);
    img.addEventListener("load", () => thumb.classList.remove("loading"));
    img.addEventListener("error", () => {
      thumb.classList.replace("loading", "broken");
      img.hidden = true;
      thumb.append(el("span", { class: "plex-thumb-broken", text: "No preview" }));
    });
    if (item.type === "album") {
      return el("button", {
        type: "button", class: "plex-tile album", "data-id": item[ID],
        "aria-label": `Open album ${item.title}`,
        onclick: () => go({ album: item[ID], page: 1 }),
      }, thumb, el("span", { class: "plex-title", text: item.title }),
      el("span", { class: "plex-date", text: "Album" }));
    }
    const state = item.imported ? "imported" : item.import_status || "";
    const badge = {
      imported: "✓ Imported", failed: "Import failed", queued: "Queued", running: "Importing",
      // Importing it again puts the same picture back on the TV.
      removed: "Removed from the TV: import puts it back",
    }[state];
    return el("button", {
      type: "button", class: `plex-tile photo ${state}`, "data-id": item[ID],
      "data-index": String(index), "aria-pressed": String(selected.has(item[ID])),
      onclick: (event) => toggle(index, event.shiftKey),
    }, thumb, badge && el("span", { class: `plex-badge ${state}`, text: badge }),
    el("span", { class: "plex-title", text: item.title }),
    el("span", { class: "plex-date", text: formatDate(item.taken_at) }));
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
        if (i >= from && i <= to) selected.set(items[i][ID], items[i].title);
      }
    } else if (selected.has(item[ID])) {
      selected.delete(item[ID]);
    } else {
      selected.set(item[ID], item.title);
    }
    anchor = index;
    showSelection();
  }

  function selectAllOnPage() {
    // Into a collection, the album's photos imported before belong too (the question
    // before importing lets them join it without a second copy).
    const all = collectionName() !== "";
    for (const i of photoIndexes()) {
      if (all || !items[i].imported) selected.set(items[i][ID], items[i].title);
    }
    showSelection();
  }

  function showSelection() {
    for (const button of document.querySelectorAll(".plex-tile.photo")) {
      button.setAttribute("aria-pressed", String(selected.has(button.dataset.id)));
    }
    $("plex-count").textContent = `${selected.size} selected`;
    const noTV = tvBoxes().length > 0 && tvsPicked().length === 0;
    $("plex-import").disabled = selected.size === 0 || noTV;
    $("plex-count").textContent += noTV ? " (choose a TV to send them to)" : "";
  }

  // -- which TVs: the picker is there only when there are several ---------------------------

  function tvBoxes() {
    return [...document.querySelectorAll("#plex-tvs input[name=plex-tv]")];
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
    const button = $("plex-import");
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

  // Already on the TV: importing again makes a second picture there, so ask first.
  function askAboutReimport(again, total) {
    const dialog = $("plex-confirm");
    const names = again.map((id) => titles.get(id) || id);
    const others = total - again.length;
    const several = tvBoxes().length > 0;
    $("plex-confirm-text").textContent =
      `${again.length === 1 ? "This photo is" : `These ${again.length} photos are`} already ` +
      (several
        ? `imported. Skipping sends ${again.length === 1 ? "it" : "them"} only to the TVs ` +
          "chosen that do not have it yet; importing again makes a second copy."
        : "on the TV. Importing again puts a second copy on the TV; skipping leaves the TV as it is.") +
      (others ? ` The other ${others} selected will be imported either way.` : "") +
      (collectionName() ? ` Either way all join the collection “${collectionName()}”.` : "");
    dialog.querySelector("button[value=skip]").textContent =
      several ? "Only to the TVs without it" : "Skip those on the TV";
    $("plex-confirm-list").replaceChildren(...names.map((name) => el("li", { text: name })));
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue || "cancel"), { once: true });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  // "Import the whole folder": every picture in it not imported yet (FOLDERS sources).
  async function importFolder() {
    const button = $("plex-sync-folder");
    button.disabled = true;
    const subfolders = $("plex-sync-subfolders");
    const answer = await requestImport([], false, {
      folder_id: folderShown, subfolders: Boolean(subfolders && subfolders.checked),
    });
    button.disabled = false;
    if (answer && answer.queued.length) follow(answer);
  }

  async function requestImport(ids, force, folder = null) {
    let answer;
    try {
      answer = await api("import", {
        method: "POST",
        body: JSON.stringify({
          ...(folder ? folder : { [`${ID}s`]: ids, force }),
          analyze: $("plex-analyze").checked,
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
      ...(folder ? [] : answer.skipped.map((s) => `${name(s[ID])}: not imported, ${s.reason}.`)),
      ...(folder && answer.skipped.length ? [`${answer.skipped.length} already imported or on their way.`] : []),
      ...answer.errors.map((e) => `${name(e[ID])}: ${e.error}`),
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
    const input = $("plex-collection");
    return input ? input.value.trim() : "";
  }

  function offerCollection(name) {
    const list = $("plex-collections");
    if (![...list.options].some((option) => option.value === name)) {
      list.append(el("option", { value: name }));
    }
  }

  function follow(answer) {
    const generation = ++following; // a newer import takes the progress panel over
    const rows = new Map();
    const list = $("plex-progress-list");
    list.replaceChildren(...answer.queued.map((id) => {
      const state = el("span", { class: "plex-state queued", text: "queued" });
      // Each TV's part, once there are several: "Living room: on the TV".
      const perTV = el("ul", { class: "plex-tv-states", "aria-label": "On each TV" });
      const row = el("li", { "data-id": id },
        el("span", { class: "plex-progress-title", text: titles.get(id) || id }),
        el("span", { class: "plex-progress-right" }, state, perTV));
      rows.set(id, { state, perTV, record: null });
      return row;
    }));
    $("plex-summary").textContent = "";
    $("plex-retry").hidden = true;
    $("plex-gallery").hidden = true;
    showBar(rows);
    $("plex-progress").hidden = false;

    let finished = false;
    const tick = async () => {
      if (generation !== following) return;
      try {
        await refreshRecords(rows);
      } catch (error) {
        $("plex-summary").textContent = `Could not check the imports (${error.message}); trying again.`;
      }
      if (generation !== following) return;
      showBar(rows);
      const records = [...rows.values()].map((row) => row.record);
      if (!finished && records.every((record) => record && ENDED.includes(record.status))) {
        finished = true;
        const failed = records.filter((record) => record.status === "failed");
        $("plex-summary").textContent =
          `Finished: ${records.length - failed.length} imported, ${answer.skipped.length} skipped, ` +
          `${failed.length + answer.errors.length} failed.`;
        retryable = failed.map((record) => record[ID]);
        const retry = $("plex-retry");
        retry.textContent = `Retry failed (${retryable.length})`;
        retry.hidden = retryable.length === 0;
        $("plex-gallery").hidden = records.length === failed.length;
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
    const bar = $("plex-bar");
    bar.max = records.length;
    bar.value = ended;
    $("plex-bar-label").textContent = `${ended} of ${records.length} finished`;
  }

  async function retryFailed() {
    const retry = $("plex-retry");
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
      for (const id of open.slice(start, start + 100)) params.append(ID, id);
      const answer = await api(`imports?${params}`);
      for (const record of answer.items) {
        const row = rows.get(record[ID]);
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
    row.state.className = `plex-state ${record.status === "running" ? record.step : record.status}`;
    const placed = record.placements || [];
    row.perTV.replaceChildren(...(placed.length > 1 || tvBoxes().length ? placed : []).map((placement) =>
      el("li", { class: `plex-tv-state ${placement.status}`, "data-tv": String(placement.tv_id),
        text: `${placement.tv}: ${TV_WORDS[placement.status] || placement.status}` })));
  }

  start();
})();
