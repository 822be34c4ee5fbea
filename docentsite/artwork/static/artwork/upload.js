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

    function addFiles(files) {
      for (const file of files) {
        const item = itemFor(file);
        list.append(item.row);
        const refusal = refusalOf(file) || tvRefusal();
        if (refusal) {
          item.show("refused", refusal);
        } else {
          queue.push({ file, item, allowDuplicate: false });
        }
      }
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
        job.item.show("done", "Queued for the TV.");
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
