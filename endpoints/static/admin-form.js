// The dataset form of the back office (templates/admin/form.html): the checks while typing
// and the language picker. (A file of its own: the Content-Security-Policy allows no inline
// script.) Without it the form still works: the checks come with each save, and the language
// fields take ISO 639-3 codes.
(function () {
  "use strict";
  const form = document.querySelector("form.dataset");
  if (!form || form.querySelector("fieldset.whole[disabled]")) {
    return;
  }
  const token = form.querySelector("input[name=csrf_token]").value;
  const CHECK_DELAY = 400;
  const SEARCH_DELAY = 250;
  let timer = null;
  let latest = 0;

  function paragraphs(texts) {
    return texts.map(function (text) {
      const p = document.createElement("p");
      p.textContent = text;
      return p;
    });
  }

  // Each message box (id m-FIELD) shows the answer's messages for FIELD; the controls it
  // describes are marked invalid while it has any.
  function showMessages(answer) {
    document.querySelectorAll(".messages").forEach(function (box) {
      const name = box.id.slice(2);
      const messages = answer.fields[name] || [];
      box.replaceChildren.apply(box, paragraphs(messages));
      form.querySelectorAll("input, select, textarea").forEach(function (control) {
        const described = (control.getAttribute("aria-describedby") || "").split(/\s+/);
        if (described.indexOf(box.id) < 0) {
          return;
        }
        if (messages.length) {
          control.setAttribute("aria-invalid", "true");
        } else if (!described.some(function (id) {
          return id !== box.id && id.indexOf("m-") === 0 && answer.fields[id.slice(2)];
        })) {
          control.removeAttribute("aria-invalid");
        }
      });
    });
    const general = document.getElementById("m-general");
    general.replaceChildren.apply(general, paragraphs(answer.general));
    general.classList.toggle("notice", answer.general.length > 0);
  }

  function showQuality(answer) {
    document.getElementById("quality-score").textContent =
      answer.quality === null ? "–" : answer.quality.toFixed(1);
    const list = document.getElementById("quality-hints");
    list.replaceChildren.apply(list, answer.hints.map(function (hint) {
      const item = document.createElement("li");
      if (hint.field) {
        const link = document.createElement("a");
        link.href = "#f-" + hint.field;
        link.textContent = hint.message;
        item.appendChild(link);
      } else {
        item.textContent = hint.message;
      }
      return item;
    }));
    document.getElementById("quality-more").hidden = answer.hints.length === 0;
    document.getElementById("quality-none").hidden = answer.hints.length > 0;
  }

  function check() {
    const body = new URLSearchParams(new FormData(form));
    body.set("record", form.dataset.record);
    const mine = ++latest;
    fetch(form.dataset.check, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": token}
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (answer && mine === latest) {  // an older answer arriving late is dropped
        showMessages(answer);
        showQuality(answer);
      }
    }).catch(function () { /* the save still checks */ });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, CHECK_DELAY);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);

  // The language picker: a search by name or code whose answers fill a datalist; choosing one
  // (or typing a code the list offers) adds its code to the field.
  function addCode(field, code) {
    const codes = field.value.split(/[\s,、，;；]+/).filter(Boolean);
    if (codes.indexOf(code) < 0) {
      codes.push(code);
    }
    field.value = codes.join(" ");
    field.dispatchEvent(new Event("input", {bubbles: true}));
  }

  form.querySelectorAll(".picker").forEach(function (picker) {
    const field = document.getElementById(picker.dataset.for);
    const search = picker.querySelector("input[type=search]");
    const list = picker.querySelector("datalist");
    let searchTimer = null;
    picker.hidden = false;

    function lookup(query) {
      return fetch(form.dataset.languages + "?q=" + encodeURIComponent(query),
            {credentials: "same-origin"}).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (answer) {
        if (!answer) {
          return;
        }
        list.replaceChildren.apply(list, answer.languages.map(function (language) {
          const option = document.createElement("option");
          option.value = language.code;
          option.label = language.name + " (" + language.code + ")";
          return option;
        }));
      }).catch(function () { /* codes may still be typed */ });
    }

    search.addEventListener("input", function (event) {
      event.stopPropagation();  // searching changes nothing in the form yet
      const value = search.value.trim();
      const chosen = Array.prototype.some.call(list.options, function (option) {
        return option.value === value;
      });
      if (chosen) {
        addCode(field, value);
        search.value = "";
        return;
      }
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () { lookup(value); }, SEARCH_DELAY);
    });
    // Enter (which would send the whole form) takes the language typed: the option whose
    // code it is, else the only option offered.
    function take() {
      const value = search.value.trim();
      const options = Array.prototype.slice.call(list.options);
      const exact = options.filter(function (option) { return option.value === value; });
      const chosen = exact.length ? exact[0] : (options.length === 1 ? options[0] : null);
      if (chosen) {
        addCode(field, chosen.value);
        search.value = "";
      }
    }
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        clearTimeout(searchTimer);
        lookup(search.value.trim()).then(take);  // the options for what is typed now
      }
    });
    search.addEventListener("change", function (event) {
      event.stopPropagation();
    });
    lookup("");
  });
}());
