// "Import from <source>": one browse page for every library source (docs/sources.md).
// It browses the source's containers (a library, a folder, an album)
// through the source's API (data-api) and queues imports; what differs between sources
// is read from the page: the id's name in the API (data-ref, data-refs) and the words
// it says (#browse-words). No framework: the page's state is a few variables, the DOM
// is rebuilt from it.
"use strict";

(function () {
  const root = document.getElementById("browse-browser");
  if (!root) return;

  const API = root.dataset.api;
  const REF = root.dataset.ref; // the source's id of a picture: "drive_file_id", say
  const SAY = JSON.parse(document.getElementById("browse-words").textContent);
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
    const box = $("browse-message");
    box.replaceChildren(...content);
    box.hidden = content.length === 0;
  }

  function notice(kind, lines) {
    const box = $("browse-notice");
    box.className = `browse-notice ${kind}`;
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

  // -- start: is the source there, which containers ---------------------------------------

  async function start() {
    let status;
    try {
      status = await api("status");
    } catch (error) {
      message(el("strong", { text: `Docent could not ask for the ${SAY.label} status: ` }), error.message);
      return;
    }
    if (!status.configured) {
      message(
        el("strong", { text: `${SAY.label} is not configured.` }),
        el("p", { text: "Add these lines to Docent's .env file and restart Docent:" }),
        el("pre", { text: SAY.setup }),
      );
      return;
    }
    if (!status.connected) {
      message(
        el("strong", { text: `${SAY.label} is not reachable. ` }),
        el("span", { class: "browse-error", text: status.error || "" }),
        el("p", { text: SAY.hint }),
      );
      return;
    }
    try {
      libraries = await api(SAY.containers);
    } catch (error) {
      message(el("strong", { text: `${SAY.label} did not list its ${SAY.containers}: ` }), error.message);
      return;
    }
    if (libraries.length === 0) {
      const where = status.server ? status.server.name : SAY.label;
      message(el("strong", { text: `${where} has no ${SAY.none_of}. ` }), SAY.none);
      return;
    }
    const picker = $("browse-library");
    picker.replaceChildren(...libraries.map((lib) =>
      el("option", { value: String(lib.id),
        text: lib.photo_count === null || lib.photo_count === undefined ? lib.title
          : `${lib.title} (${lib.photo_count} ${SAY.items})` })));
    picker.addEventListener("change", () => go({ library: picker.value, album: null, page: 1 }));
    $("browse-hide-imported").addEventListener("change", (event) =>
      go({ hideImported: event.target.checked, page: 1 }));
    for (const end of ["", "-top"]) {
      $(`browse-prev${end}`).addEventListener("click", () => go({ page: view.page - 1 }));
      $(`browse-next${end}`).addEventListener("click", () => go({ page: view.page + 1 }));
    }
    $("browse-select-all").addEventListener("click", selectAllOnPage);
    $("browse-select-none").addEventListener("click", () => { selected.clear(); showSelection(); });
    $("browse-import").addEventListener("click", importSelected);
    const whole = $("browse-whole");
    if (whole) whole.addEventListener("click", importWhole);
    for (const box of tvBoxes()) box.addEventListener("change", showSelection);
    $("browse-retry").addEventListener("click", retryFailed);
    window.addEventListener("popstate", () => { readAddress(); load(); });

    readAddress();
    if (!libraries.some((lib) => String(lib.id) === view.library)) {
      view.library = String(libraries[0].id);
      view.album = null;
    }
    writeAddress(false);
    $("browse-toolbar").hidden = false;
    $("browse-selection").hidden = false;
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
          titles.set(record[REF], record.title);
          ids.push(record[REF]);
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
    $("browse-library").value = view.library;
    $("browse-hide-imported").checked = view.hideImported;
    const params = new URLSearchParams({ page: String(view.page), page_size: String(PAGE_SIZE) });
    if (view.album) params.set("album", view.album);
    if (view.hideImported) params.set("hide_imported", "true");
    message("Loading…");
    root.setAttribute("aria-busy", "true");
    let page;
    try {
      page = await api(`${SAY.containers}/${view.library}?${params}`);
    } catch (error) {
      if (ticket !== loading) return;
      message(el("strong", { text: `${SAY.label} did not answer: ` }), el("span", { class: "browse-error", text: error.message }));
      root.removeAttribute("aria-busy");
      return;
    }
    if (ticket !== loading) return;
    root.removeAttribute("aria-busy");
    items = page.items;
    for (const item of items) {
      titles.set(item[REF], item.title);
      if (item.imported) imported.add(item[REF]);
      else imported.delete(item[REF]);
    }
    showCrumbs(page);
    showGrid();
    showPages(page);
    showSelection();
    message(...(items.length ? [] : [view.hideImported ? "Everything here is imported." : "Nothing here."]));
  }

  function showCrumbs(page) {
    const path = page.album ? page.album.path : [{ id: null, title: page.library.title }];
    const nav = $("browse-crumbs");
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

  // A source that cannot count what it lists (a whole photo library) sends total null and
  // has_next: its pages go on while there is a next one.
  function showPages(page) {
    const counted = page.total !== null && page.total !== undefined;
    const pages = counted ? Math.max(Math.ceil(page.total / page.page_size), 1) : null;
    const more = counted ? page.page < pages : Boolean(page.has_next);
    // The same pager above and below the photos: a phone need not scroll to turn a page.
    for (const end of ["", "-top"]) {
      $(`browse-page-label${end}`).textContent = counted ? `Page ${page.page} of ${pages}` : `Page ${page.page}`;
      $(`browse-prev${end}`).disabled = page.page <= 1;
      $(`browse-next${end}`).disabled = !more;
      $(`browse-pages${end}`).hidden = page.page <= 1 && !more;
    }
  }

  function photoIndexes() {
    return items.map((item, index) => (item.type === "photo" ? index : -1)).filter((i) => i >= 0);
  }

  function showGrid() {
    const grid = $("browse-grid");
    grid.replaceChildren(...items.map((item, index) => el("li", {}, tile(item, index))));
  }

  function tile(item, index) {
    const img = el("img", { src: item.thumbnail_url, alt: item.title, loading: "lazy" });
    // Loading shimmers; a thumbnail the source could not give says so instead of a broken glyph.
    const thumb = el("span", { class: "browse-thumb loading" }, img);
    img.addEventListener("load", () => thumb.classList.remove("loading"));
    img.addEventListener("error", () => {
      thumb.classList.replace("loading", "broken");
      img.hidden = true;
      thumb.append(el("span", { class: "browse-thumb-broken", text: "No preview" }));
    });
    if (item.type === "album") {
      return el("button", {
        type: "button", class: "browse-tile album", "data-id": item[REF],
        "aria-label": `Open ${(SAY.album || "Album").toLowerCase()} ${item.title}`,
        onclick: () => go({ album: item[REF], page: 1 }),
      }, thumb, el("span", { class: "browse-title", text: item.title }),
      el("span", { class: "browse-date", text: SAY.album || "Album" }));
    }
    const state = item.imported ? "imported" : item.import_status || "";
    const badge = {
      imported: "✓ Imported", failed: "Import failed", queued: "Queued", running: "Importing",
      // Importing it again puts the same picture back on the TV.
      removed: "Removed from the TV: import puts it back",
    }[state];
    return el("button", {
      type: "button", class: `browse-tile photo ${state}`, "data-id": item[REF],
      "data-index": String(index), "aria-pressed": String(selected.has(item[REF])),
      onclick: (event) => toggle(index, event.shiftKey),
    }, thumb, badge && el("span", { class: `browse-badge ${state}`, text: badge }),
    el("span", { class: "browse-title", text: item.title }),
    el("span", { class: "browse-date", text: formatDate(item.taken_at) }));
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
        if (i >= from && i <= to) selected.set(items[i][REF], items[i].title);
      }
    } else if (selected.has(item[REF])) {
      selected.delete(item[REF]);
    } else {
      selected.set(item[REF], item.title);
    }
    anchor = index;
    showSelection();
  }

  function selectAllOnPage() {
    // Into a collection, the album's photos imported before belong too (the question
    // before importing lets them join it without a second copy).
    const all = collectionName() !== "";
    for (const i of photoIndexes()) {
      if (all || !items[i].imported) selected.set(items[i][REF], items[i].title);
    }
    showSelection();
  }

  function showSelection() {
    for (const button of document.querySelectorAll(".browse-tile.photo")) {
      button.setAttribute("aria-pressed", String(selected.has(button.dataset.id)));
    }
    $("browse-count").textContent = `${selected.size} selected`;
    const noTV = tvBoxes().length > 0 && tvsPicked().length === 0;
    $("browse-import").disabled = selected.size === 0 || noTV;
    $("browse-count").textContent += noTV ? " (choose a TV to send them to)" : "";
  }

  // -- which TVs: the picker is there only when there are several ---------------------------

  function tvBoxes() {
    return [...document.querySelectorAll("#browse-tvs input[name=browse-tv]")];
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
    const button = $("browse-import");
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
    const dialog = $("browse-confirm");
    const names = again.map((id) => titles.get(id) || id);
    const others = total - again.length;
    const several = tvBoxes().length > 0;
    $("browse-confirm-text").textContent =
      `${again.length === 1 ? "This photo is" : `These ${again.length} photos are`} already ` +
      (several
        ? `imported. Skipping sends ${again.length === 1 ? "it" : "them"} only to the TVs ` +
          "chosen that do not have it yet; importing again makes a second copy."
        : "on the TV. Importing again puts a second copy on the TV; skipping leaves the TV as it is.") +
      (others ? ` The other ${others} selected will be imported either way.` : "") +
      (collectionName() ? ` Either way all join the collection “${collectionName()}”.` : "");
    dialog.querySelector("button[value=skip]").textContent =
      several ? "Only to the TVs without it" : "Skip those on the TV";
    $("browse-confirm-list").replaceChildren(...names.map((name) => el("li", { text: name })));
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue || "cancel"), { once: true });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  // Everything in the album shown (the container, at its top) not imported yet: a
  // source's "sync this folder".
  async function importWhole() {
    const button = $("browse-whole");
    const below = $("browse-whole-below");
    button.disabled = true;
    const answer = await requestImport([], false, {
      album: view.album || view.library, below: Boolean(below && below.checked),
      container: view.library, top: !view.album,
    });
    button.disabled = false;
    if (answer && answer.queued.length) follow(answer);
  }

  async function requestImport(ids, force, whole = null) {
    let answer;
    try {
      answer = await api("import", {
        method: "POST",
        body: JSON.stringify({
          ...(whole || { [root.dataset.refs]: ids, force }),
          analyze: $("browse-analyze").checked,
          ...(tvBoxes().length ? { tvs: tvsPicked().map((box) => Number(box.value)) } : {}),
          ...(collectionName() ? { collection: collectionName() } : {}),
          ...($("browse-framing").value ? { framing: $("browse-framing").value } : {}),
          ...($("browse-matte").value ? { matte: $("browse-matte").value } : {}),
        }),
      });
    } catch (error) {
      notice("error", [`Nothing was imported: ${error.message}`]);
      return null;
    }
    const name = (id) => titles.get(id) || id;
    const warnings = [
      ...(whole ? (answer.skipped.length ? [`${answer.skipped.length} already imported or on their way.`] : [])
        : answer.skipped.map((s) => `${name(s[REF])}: not imported, ${s.reason}.`)),
      ...answer.errors.map((e) => `${name(e[REF])}: ${e.error}`),
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
    const input = $("browse-collection");
    return input ? input.value.trim() : "";
  }

  function offerCollection(name) {
    const list = $("browse-collections");
    if (![...list.options].some((option) => option.value === name)) {
      list.append(el("option", { value: name }));
    }
  }

  function follow(answer) {
    const generation = ++following; // a newer import takes the progress panel over
    const rows = new Map();
    const list = $("browse-progress-list");
    list.replaceChildren(...answer.queued.map((id) => {
      const state = el("span", { class: "browse-state queued", text: "queued" });
      // Each TV's part, once there are several: "Living room: on the TV".
      const perTV = el("ul", { class: "browse-tv-states", "aria-label": "On each TV" });
      const row = el("li", { "data-id": id },
        el("span", { class: "browse-progress-title", text: titles.get(id) || id }),
        el("span", { class: "browse-progress-right" }, state, perTV));
      rows.set(id, { state, perTV, record: null });
      return row;
    }));
    $("browse-summary").textContent = "";
    $("browse-retry").hidden = true;
    $("browse-gallery").hidden = true;
    showBar(rows);
    $("browse-progress").hidden = false;

    let finished = false;
    const tick = async () => {
      if (generation !== following) return;
      try {
        await refreshRecords(rows);
      } catch (error) {
        $("browse-summary").textContent = `Could not check the imports (${error.message}); trying again.`;
      }
      if (generation !== following) return;
      showBar(rows);
      const records = [...rows.values()].map((row) => row.record);
      if (!finished && records.every((record) => record && ENDED.includes(record.status))) {
        finished = true;
        const failed = records.filter((record) => record.status === "failed");
        $("browse-summary").textContent =
          `Finished: ${records.length - failed.length} imported, ${answer.skipped.length} skipped, ` +
          `${failed.length + answer.errors.length} failed.`;
        retryable = failed.map((record) => record[REF]);
        const retry = $("browse-retry");
        retry.textContent = `Retry failed (${retryable.length})`;
        retry.hidden = retryable.length === 0;
        $("browse-gallery").hidden = records.length === failed.length;
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
    const bar = $("browse-bar");
    bar.max = records.length;
    bar.value = ended;
    $("browse-bar-label").textContent = `${ended} of ${records.length} finished`;
  }

  async function retryFailed() {
    const retry = $("browse-retry");
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
      for (const id of open.slice(start, start + 100)) params.append(REF, id);
      const answer = await api(`imports?${params}`);
      for (const record of answer.items) {
        const row = rows.get(record[REF]);
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
    row.state.className = `browse-state ${record.status === "running" ? record.step : record.status}`;
    const placed = record.placements || [];
    row.perTV.replaceChildren(...(placed.length > 1 || tvBoxes().length ? placed : []).map((placement) =>
      el("li", { class: `browse-tv-state ${placement.status}`, "data-tv": String(placement.tv_id),
        text: `${placement.tv}: ${TV_WORDS[placement.status] || placement.status}` })));
  }

  start();
})();
