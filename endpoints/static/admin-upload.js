// Uploads of the dataset form (templates/admin/form.html; endpoints/admin/uploads.py): each
// chosen file is sent in parts of at most the server's body limit with the tus 1.0 protocol,
// resumed where it stopped after a broken connection (and after a reload: the upload's
// address is remembered for the same file), then checked by the server; a ready file joins
// the form as an `uploaded` field, added to the dataset when the form is saved, and the
// keywords and description drafted from the files are shown for the provider to edit.
// Without this script the files are sent with the form when it is saved.
(function () {
  "use strict";
  const form = document.querySelector("form.dataset");
  const input = document.getElementById("f-file");
  const list = document.getElementById("upload-list");
  if (!form || !input || !list || form.querySelector("fieldset.whole[disabled]")) {
    return;
  }
  const token = form.querySelector("input[name=csrf_token]").value;
  const CHUNK = parseInt(form.dataset.chunk, 10) || 1048576;
  const RETRIES = 5;
  const POLL_MS = 1000;

  function say(name, values) {
    let text = list.dataset["msg" + name] || name;
    Object.keys(values || {}).forEach(function (key) {
      text = text.replace("{" + key + "}", values[key]);
    });
    return text;
  }

  function headers(extra) {
    return Object.assign({"Tus-Resumable": "1.0.0", "X-CSRFToken": token}, extra);
  }

  function pause(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function b64(text) {
    return btoa(String.fromCharCode.apply(null, new TextEncoder().encode(text)));
  }

  function key(file) {
    return "yuliao-upload:" + [file.name, file.size, file.lastModified].join(":");
  }

  async function refused(response) {
    try {
      const answer = await response.json();
      return (answer.refusal && answer.refusal.message) || answer.error;
    } catch (error) {
      return response.status + " " + response.statusText;
    }
  }

  // The upload's address: the one remembered for this file when the server still has it,
  // else a new upload.
  async function begin(file) {
    const remembered = localStorage.getItem(key(file));
    if (remembered) {
      const head = await fetch(remembered, {method: "HEAD", headers: headers({}),
                                            credentials: "same-origin"});
      if (head.ok) {
        return {url: remembered, offset: parseInt(head.headers.get("Upload-Offset"), 10)};
      }
      localStorage.removeItem(key(file));
    }
    const response = await fetch(form.dataset.uploads, {
      method: "POST", credentials: "same-origin",
      headers: headers({"Upload-Length": String(file.size),
                        "Upload-Metadata": "filename " + b64(file.name)})});
    if (response.status !== 201) {
      throw new Error(await refused(response));
    }
    const url = response.headers.get("Location");
    localStorage.setItem(key(file), url);
    return {url: url, offset: 0};
  }

  async function where(url) {
    const head = await fetch(url, {method: "HEAD", headers: headers({}),
                                   credentials: "same-origin"});
    return parseInt(head.headers.get("Upload-Offset"), 10);
  }

  // One part sent; the offset after it. A broken connection is tried again (asking the
  // server where the upload stands) up to RETRIES times in a row.
  async function part(url, file, offset) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const response = await fetch(url, {
          method: "PATCH", credentials: "same-origin", body: file.slice(offset, offset + CHUNK),
          headers: headers({"Upload-Offset": String(offset),
                            "Content-Type": "application/offset+octet-stream"})});
        if (response.status === 204 || response.status === 409) {
          return parseInt(response.headers.get("Upload-Offset"), 10);
        }
        throw new Error(await refused(response));
      } catch (error) {
        if (attempt + 1 >= RETRIES || !(error instanceof TypeError)) {
          throw error;
        }
        await pause(1000 * (attempt + 1));
        offset = await where(url);
      }
    }
  }

  async function checked(url) {
    for (;;) {
      const response = await fetch(url, {credentials: "same-origin",
                                         headers: {"Accept": "application/json"}});
      const answer = await response.json();
      if (answer.state === "ready" || answer.state === "refused") {
        return answer;
      }
      await pause(POLL_MS);
    }
  }

  function ready(item, answer) {
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "uploaded";
    field.value = answer.id;
    item.replaceChildren(field, document.createTextNode(say("Ready", {
      name: answer.name, size: answer.file.size.toLocaleString(),
      tokens: answer.file.tokens.toLocaleString()})));
    item.dataset.upload = answer.id;
  }

  async function send(file) {
    const item = document.createElement("li");
    item.textContent = say("Sending", {name: file.name, done: "0",
                                       size: file.size.toLocaleString()});
    list.appendChild(item);
    try {
      const upload = await begin(file);
      let offset = upload.offset;
      while (offset < file.size) {
        offset = await part(upload.url, file, offset);
        item.textContent = say("Sending", {name: file.name, done: offset.toLocaleString(),
                                           size: file.size.toLocaleString()});
      }
      item.textContent = say("Checking", {name: file.name});
      const answer = await checked(upload.url);
      localStorage.removeItem(key(file));
      if (answer.state === "refused") {
        item.classList.add("refused");
        item.textContent = say("Refused", {name: file.name, reason: answer.refusal.message});
        return;
      }
      ready(item, answer);
      await drafts();
    } catch (error) {
      item.classList.add("refused");
      item.textContent = say("Failed", {name: file.name, reason: error.message});
    }
  }

  // The keywords and description drafted from the dataset's files and the ready uploads.
  async function drafts() {
    const query = new URLSearchParams();
    query.set("record", form.dataset.record || "");
    query.set("title", (form.querySelector("[name=title_zh]") || {}).value || "");
    list.querySelectorAll("input[name=uploaded]").forEach(function (field) {
      query.append("uploaded", field.value);
    });
    const response = await fetch(form.dataset.drafts + "?" + query.toString(),
                                 {credentials: "same-origin"});
    if (!response.ok) {
      return;
    }
    const answer = await response.json();
    if (!answer.keywords.length && !answer.description) {
      return;
    }
    document.getElementById("draft-keywords").textContent = answer.keywords.join("、");
    document.getElementById("draft-description").textContent = answer.description;
    document.getElementById("drafts").hidden = false;
  }

  input.addEventListener("change", function () {
    const files = Array.from(input.files);
    input.value = "";  // sent here, not again with the form
    files.reduce(function (previous, file) {
      return previous.then(function () { return send(file); });
    }, Promise.resolve());
  });

  document.querySelectorAll("button.use-draft").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      const target = document.getElementById(button.dataset.target);
      const source = document.getElementById(button.dataset.source).textContent;
      target.value = button.dataset.target === "f-keywords"
        ? source.split("、").join(", ") : source;
      target.dispatchEvent(new Event("input", {bubbles: true}));
      target.focus();
    });
  });
}());
