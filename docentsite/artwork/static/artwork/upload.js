// The upload page as a drop zone: each picture is previewed from the browser's own
// copy, checked at once, and sent on its own request so its progress shows.
// Without JavaScript the page stays the plain form it always was.
(function () {
  "use strict";

  const PICTURE_NAME = /\.(jpe?g|png|webp|tiff?|gif|heic|heif)$/i;
  const AT_ONCE = 2;

  function setUp(form) {
    const input = form.querySelector("#id_files");
    const drop = form.querySelector(".upload-drop");
    const list = form.querySelector(".upload-list");
    const done = form.querySelector(".upload-done");
    const maxBytes = parseFloat(form.dataset.maxMb) * 1024 * 1024;
    const queue = [];
    const mattes = matteOffer(form);
    let running = 0;

    drop.hidden = false;
    form.classList.add("upload-enhanced");
    // Each file goes as soon as it is chosen; the per-file question replaces the box.
    // The input stays, out of sight in the drop zone, for the "choose" label and the keyboard.
    input.classList.add("upload-input");
    drop.append(input);
    form.querySelector(".field-files").hidden = true;
    form.querySelector(".field-allow_duplicates").hidden = true;
    form.querySelector(".submit-row").hidden = true;
    input.removeAttribute("required");

    input.addEventListener("change", () => {
      addFiles(input.files);
      input.value = "";
    });
    for (const name of ["dragenter", "dragover"]) {
      drop.addEventListener(name, (event) => {
        event.preventDefault();
        drop.classList.add("upload-over");
      });
    }
    drop.addEventListener("dragleave", () => drop.classList.remove("upload-over"));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("upload-over");
      addFiles(event.dataTransfer.files);
    });
    form.addEventListener("submit", (event) => event.preventDefault());

    async function addFiles(files) {
      const jobs = [];
      for (const file of files) {
        const item = itemFor(file);
        list.append(item.row);
        const refusal = refusalOf(file) || tvRefusal();
        if (refusal) {
          item.show("refused", refusal);
        } else {
          jobs.push({ file, item, allowDuplicate: false, matte: mattes.chosen() });
        }
      }
      // Each picture goes with the matte chosen when it was picked; its size, read here,
      // says whether that matte can go round it, and which mattes the next ones are offered.
      const sizes = await Promise.all(jobs.map((job) => sizeOf(job.file)));
      jobs.forEach((job, index) => {
        job.matteNote = mattes.note(job.matte, sizes[index]);
      });
      if (jobs.length) mattes.fit(sizes);
      queue.push(...jobs);
      pump();
    }

    function refusalOf(file) {
      const picture = file.type.startsWith("image/") || PICTURE_NAME.test(file.name);
      if (!picture) {
        return `Not a picture (${file.type || "unknown type"}). Docent reads JPEG, PNG, ` +
          "WebP, TIFF, GIF and HEIC.";
      }
      if (file.size > maxBytes) {
        return `${(file.size / 1048576).toFixed(1)} MB; pictures up to ` +
          `${form.dataset.maxMb} MB are accepted (UPLOAD_MAX_MB in .env).`;
      }
      return "";
    }

    // The TV picker is there only when there are several TVs to choose from.
    function tvsPicked() {
      return [...form.querySelectorAll("input[name=tvs]:checked")].map((box) => box.value);
    }

    function tvRefusal() {
      const picker = form.querySelector("input[name=tvs]");
      return picker && !tvsPicked().length ? "Not sent: choose at least one TV above first." : "";
    }

    function pump() {
      while (running < AT_ONCE && queue.length) {
        running += 1;
        send(queue.shift()).finally(() => {
          running -= 1;
          pump();
        });
      }
    }

    function send(job) {
      const body = new FormData();
      body.append("file", job.file);
      const analyze = form.querySelector("#id_analyze");
      if (analyze) body.append("analyze", analyze.checked ? "true" : "false");
      const framing = form.querySelector("#id_framing");
      if (framing && framing.value) body.append("framing", framing.value);
      if (job.matte) body.append("matte", job.matte);
      body.append("allow_duplicate", job.allowDuplicate ? "true" : "false");
      for (const tv of tvsPicked()) body.append("tvs", tv);
      job.item.show("sending", "Sending… 0 %");
      return new Promise((resolve) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", form.dataset.api);
        xhr.setRequestHeader("X-CSRFToken", form.elements.csrfmiddlewaretoken.value);
        xhr.upload.addEventListener("progress", (event) => {
          if (!event.lengthComputable) return;
          const percent = Math.round((100 * event.loaded) / event.total);
          job.item.progress(percent);
          job.item.show("sending", percent < 100 ? `Sending… ${percent} %` : "Checking…");
        });
        xhr.addEventListener("load", () => {
          answered(job, xhr.status, detailOf(xhr));
          resolve();
        });
        xhr.addEventListener("error", () => {
          job.item.show("failed", "The connection to Docent was lost; nothing was kept.");
          resolve();
        });
        xhr.send(body);
      });
    }

    function detailOf(xhr) {
      try {
        return JSON.parse(xhr.responseText).detail || "";
      } catch (error) {
        return "";
      }
    }

    function answered(job, status, detail) {
      if (status === 201) {
        job.item.progress(100);
        job.item.show("done", `Queued for the TV.${job.matteNote ? ` ${job.matteNote}` : ""}`);
        done.hidden = false;
      } else if (status === 409) {
        job.item.ask(detail, () => {
          job.allowDuplicate = true;
          queue.push(job);
          pump();
        });
      } else if (status === 413 || status === 422) {
        job.item.show("refused", detail);
      } else {
        job.item.show("failed", detail || `Docent answered ${status}; nothing was kept.`);
      }
    }
  }

  // The upload page's Matte: a TV puts a matte only around a picture of exactly its
  // panel's size. Fill and fit make every picture so (landscape: a portrait one is fitted
  // on the 16:9 panel), as is only shrinks it; so the picked file's size and the framing
  // say which mattes can go round it, and the TVs' refusals (upload-mattes) which of those.
  function matteOffer(form) {
    const select = form.querySelector("#id_matte");
    const data = document.getElementById("upload-mattes");
    if (!select || !data) return { chosen: () => "", note: () => "", fit() {} };
    const offer = JSON.parse(data.textContent);
    const framing = form.querySelector("#id_framing");
    const hint = document.createElement("div");
    hint.id = "upload-matte-hint";
    hint.className = "help";
    hint.setAttribute("aria-live", "polite");
    select.closest(".form-row").append(hint);
    select.setAttribute("aria-describedby",
      `${select.getAttribute("aria-describedby") || ""} upload-matte-hint`.trim());
    let picked = [];
    if (framing) framing.addEventListener("change", () => picked.length && fit(picked));

    function prepared(size) {
      const [long, short] = offer.panel;
      if (((framing && framing.value) || offer.framing) !== "as_is") {
        return { width: long, height: short };
      }
      const scale = Math.min(1, long / size.width, short / size.height);
      return { width: Math.round(size.width * scale), height: Math.round(size.height * scale) };
    }

    function whyNot(matte, size) {
      if (!matte || matte === "none" || !size) return "";
      const [long, short] = offer.panel;
      const { width, height } = prepared(size);
      const shape = height > width ? "portrait" : height === width ? "square" : "landscape";
      if (!((width === long && height === short) || (width === short && height === long))) {
        return `it will be ${width}×${height}, and a TV puts a matte only around a ` +
          `${long}×${short} picture`;
      }
      if ((offer.unsuited[matte] || []).includes(shape)) {
        return `the TVs refused that matte for ${shape} pictures`;
      }
      return "";
    }

    function fit(sizes) {
      picked = sizes;
      const unknown = sizes.some((size) => !size);
      for (const option of select.options) {
        const off = !unknown && sizes.some((size) => whyNot(option.value, size));
        option.hidden = off;
        option.disabled = off;
      }
      const gone = select.selectedOptions[0] && select.selectedOptions[0].disabled;
      if (gone) select.value = "";
      const count = sizes.length === 1 ? "the picture" : `the ${sizes.length} pictures`;
      hint.textContent = unknown
        ? "This browser could not read the size of a picture picked last: every matte is " +
          "offered, and one that does not suit a picture gives way to the TV's default or none."
        : `Offered: the mattes that suit ${count} picked last` +
          `${gone ? " (the matte chosen did not, so it is back to the TV's default)" : ""}.`;
    }

    return {
      chosen: () => select.value,
      note(matte, size) {
        const why = whyNot(matte, size);
        return why ? `Its matte does not suit it (${why}): it gets the TV's default or none.` : "";
      },
      fit,
    };
  }

  async function sizeOf(file) {
    try {
      const bitmap = await createImageBitmap(file);
      const size = { width: bitmap.width, height: bitmap.height };
      bitmap.close();
      return size;
    } catch (error) {
      return null; // HEIC, TIFF: pictures the browser cannot read
    }
  }

  function itemFor(file) {
    const row = document.createElement("li");
    row.className = "upload-item";
    const figure = document.createElement("div");
    figure.className = "upload-thumb";
    if (file.type.startsWith("image/")) {
      const img = document.createElement("img");
      img.alt = "";
      img.src = URL.createObjectURL(file);
      // HEIC and TIFF are pictures the browser cannot draw: say so instead.
      img.addEventListener("error", () => img.replaceWith(placeholder(file)));
      img.addEventListener("load", () => URL.revokeObjectURL(img.src));
      figure.append(img);
    } else {
      figure.append(placeholder(file));
    }
    const body = document.createElement("div");
    body.className = "upload-body";
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", `${file.name} sent`);
    const status = document.createElement("span");
    status.className = "upload-status";
    status.setAttribute("role", "status");
    const choices = document.createElement("span");
    choices.className = "upload-choices";
    body.append(name, bar, status, choices);
    row.append(figure, body);

    return {
      row,
      progress(percent) {
        bar.value = percent;
      },
      show(state, text) {
        row.dataset.state = state;
        status.textContent = text;
        bar.hidden = ["refused", "duplicate", "skipped"].includes(state);
        choices.replaceChildren();
      },
      ask(text, uploadAnyway) {
        this.show("duplicate", `${text} Upload it again?`);
        const skip = button("Skip", () => this.show("skipped", "Skipped: not uploaded."));
        const again = button("Upload anyway", uploadAnyway);
        choices.append(skip, again);
        skip.focus();
      },
    };
  }

  function placeholder(file) {
    const box = document.createElement("span");
    box.className = "upload-placeholder";
    box.textContent = (file.name.split(".").pop() || "?").slice(0, 5).toUpperCase();
    return box;
  }

  function button(text, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "button";
    element.textContent = text;
    element.addEventListener("click", onClick);
    return element;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("upload-form");
    if (form && window.FormData && window.XMLHttpRequest) setUp(form);
  });
})();
