// Type-ahead pickers (xinfang/core/pickers.py): each select[data-picker] becomes a combobox that
// takes Chinese, full pinyin or initials ("xc", "xincheng" for 新城街道), moves by arrows, picks by
// Enter or Tab, and offers the user's recent choices first when the box is empty. The select stays
// in the form, hidden, and posts the same id; without JavaScript it is an ordinary select. To
// choose from another script: set the select's value, then dispatch "change" on it.
(function () {
  "use strict";
  const RECENT = 6;
  const SHOWN = 40;
  const INDENT = /^\u3000+/;

  // Whether `q` is spelt by prefixes (at least one letter each) of consecutive syllables from i:
  // initials, full pinyin and their mixtures ("xcjd", "xincheng", "xinchjd").
  function spells(q, syllables, i) {
    if (!q) return true;
    if (i >= syllables.length) return false;
    const s = syllables[i];
    for (let n = Math.min(s.length, q.length); n >= 1; n--) {
      if (q.slice(0, n) === s.slice(0, n) && spells(q.slice(n), syllables, i + 1)) return true;
    }
    return false;
  }

  // The same with syllables skipped, as departments are called: 住建局 "zhujian" for
  // 区住房和城乡建设局.
  function abbreviates(q, syllables, i) {
    if (!q) return true;
    if (i >= syllables.length) return false;
    const s = syllables[i];
    for (let n = Math.min(s.length, q.length); n >= 1; n--) {
      if (q.slice(0, n) === s.slice(0, n) && abbreviates(q.slice(n), syllables, i + 1)) return true;
    }
    return abbreviates(q, syllables, i + 1);
  }

  function inOrder(q, label) {
    let at = 0;
    for (const ch of q) {
      at = label.indexOf(ch, at) + 1;
      if (!at) return false;
    }
    return true;
  }

  // 0: the name itself; 1: it starts with what was typed (or its pinyin does); 2: contains it;
  // 3: pinyin from a later syllable; 4: an abbreviation (住建, "zhujian"); -1: no match.
  function rank(item, q, letters) {
    if (item.label === q) return 0;
    if (item.label.startsWith(q)) return 1;
    if (letters && item.readings.some(function (r) { return spells(letters, r, 0); })) return 1;
    if (item.label.includes(q)) return 2;
    if (letters) {
      for (const r of item.readings) {
        for (let i = 1; i < r.length; i++) if (spells(letters, r, i)) return 3;
      }
      if (item.readings.some(function (r) { return abbreviates(letters, r, 0); })) return 4;
    } else if (q.length > 1 && inOrder(q, item.label)) {
      return 4;
    }
    return -1;
  }

  function itemsOf(select) {
    const items = [];
    const stack = [];
    Array.from(select.options).forEach(function (o) {
      if (o.value === "") return;
      const item = {
        value: o.value,
        label: o.text.replace(INDENT, ""),
        depth: parseInt(o.dataset.depth || "0", 10),
        readings: (o.dataset.py || "").split("|").filter(Boolean).map(function (r) { return r.split(" "); }),
        parent: "",
        index: items.length,
      };
      while (stack.length && stack[stack.length - 1].depth >= item.depth) stack.pop();
      if (stack.length && item.depth) item.parent = stack[stack.length - 1].label;
      stack.push(item);
      items.push(item);
    });
    return items;
  }

  function enhance(select) {
    if (select.dataset.pickerReady) return;
    select.dataset.pickerReady = "1";
    const id = select.id;
    const items = itemsOf(select);
    const byValue = new Map(items.map(function (it) { return [it.value, it]; }));
    const blank = Array.from(select.options).find(function (o) { return o.value === ""; });
    const user = document.body.dataset.user || "";
    const key = "xinfang.recent." + user + "." + select.dataset.picker + "." + select.name;

    const wrap = document.createElement("div");
    wrap.className = "picker";
    const input = document.createElement("input");
    input.type = "text";
    input.id = id;
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.placeholder = (blank ? blank.text + "　" : "") + "可输入汉字或拼音";
    ["accesskey", "aria-describedby", "aria-invalid", "autofocus"].forEach(function (attr) {
      if (select.hasAttribute(attr)) {
        input.setAttribute(attr, select.getAttribute(attr));
        select.removeAttribute(attr);
      }
    });
    input.required = select.required;
    select.required = false;
    const list = document.createElement("ul");
    list.id = id + "-listbox";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    select.id = id + "-select";
    select.hidden = true;
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");
    select.parentNode.insertBefore(wrap, select);
    wrap.append(input, list, select);

    let shown = [];
    let active = -1;
    let dirty = false;

    function chosenLabel() {
      const it = byValue.get(select.value);
      return it ? it.label : "";
    }
    function recents() {
      try {
        return JSON.parse(localStorage.getItem(key) || "[]").filter(function (v) { return byValue.has(v); });
      } catch (e) {
        return [];
      }
    }
    function remember() {
      if (!select.value) return;
      try {
        const r = recents().filter(function (v) { return v !== select.value; });
        r.unshift(select.value);
        localStorage.setItem(key, JSON.stringify(r.slice(0, RECENT)));
      } catch (e) { /* private mode: nothing remembered */ }
    }

    function head(text) {
      const li = document.createElement("li");
      li.setAttribute("role", "presentation");
      li.className = "picker-head";
      li.textContent = text;
      list.append(li);
    }
    function add(it, flat) {
      const li = document.createElement("li");
      li.id = list.id + "-" + shown.length;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", it.value === select.value ? "true" : "false");
      li.dataset.index = String(shown.length);
      li.textContent = it.label;
      if (flat && it.parent) {
        const hint = document.createElement("span");
        hint.className = "picker-hint";
        hint.textContent = it.parent;
        li.append(" ", hint);
      } else if (it.depth) {
        li.style.paddingLeft = 0.5 + it.depth + "em";
      }
      shown.push(it);
      list.append(li);
    }
    function open() {
      const q = input.value.trim();
      const letters = q.toLowerCase().replace(/[\s'’]/g, "");
      const pinyin = /^[a-z0-9]+$/.test(letters) ? letters : "";
      const recent = recents();
      list.textContent = "";
      shown = [];
      if (!q) {
        if (recent.length) {
          head("最近选择");
          recent.forEach(function (v) { add(byValue.get(v), true); });
          head("全部");
        }
        items.forEach(function (it) { add(it, false); });
      } else {
        const order = new Map(recent.map(function (v, i) { return [v, i]; }));
        items
          .map(function (it) { return [rank(it, q, pinyin), order.has(it.value) ? order.get(it.value) : RECENT, it]; })
          .filter(function (x) { return x[0] >= 0; })
          .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2].index - b[2].index; })
          .slice(0, SHOWN)
          .forEach(function (x) { add(x[2], true); });
        if (!shown.length) {
          const li = document.createElement("li");
          li.setAttribute("role", "presentation");
          li.className = "picker-none";
          li.textContent = "没有匹配的项目";
          list.append(li);
        }
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      setActive(shown.length ? 0 : -1);
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function setActive(i) {
      const old = list.querySelector(".active");
      if (old) old.classList.remove("active");
      active = i;
      if (i < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      const li = document.getElementById(list.id + "-" + i);
      li.classList.add("active");
      input.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
    }
    function choose(it) {
      const changed = select.value !== (it ? it.value : "");
      select.value = it ? it.value : "";
      input.value = it ? it.label : "";
      dirty = false;
      close();
      if (changed) select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function settle() {
      // Leaving the box: an empty box clears the choice, a full name typed picks it, else back.
      const text = input.value.trim();
      if (!text) return choose(null);
      const exact = items.find(function (it) { return it.label === text; });
      if (exact) return choose(exact);
      input.value = chosenLabel();
      dirty = false;
      close();
    }

    input.value = chosenLabel();
    input.addEventListener("input", function (event) {
      if (event.isComposing) return;  // an input method still composing: wait for its text
      dirty = true;
      open();
    });
    input.addEventListener("compositionend", function () { dirty = true; open(); });
    input.addEventListener("keydown", function (event) {
      if (event.isComposing) return;
      const count = shown.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) return open();
        if (count) setActive((active + (event.key === "ArrowDown" ? 1 : count - 1)) % count);
        dirty = true;  // moved to an option: Tab takes it too
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          choose(shown[active]);
        } else if (dirty) {
          event.preventDefault();
          settle();
        }
      } else if (event.key === "Tab") {
        if (!list.hidden && active >= 0 && dirty) choose(shown[active]);
        else settle();
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        input.value = chosenLabel();
        dirty = false;
        close();
      }
    });
    input.addEventListener("blur", function () { if (!list.hidden || dirty) settle(); });
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      const li = event.target.closest("[role=option]");
      if (li) choose(shown[parseInt(li.dataset.index, 10)]);
    });
    // Another script may choose for the desk (a suggested category): it sets the select's value
    // and dispatches "change"; the box then shows that choice.
    select.addEventListener("change", function () { input.value = chosenLabel(); });
    if (select.form) select.form.addEventListener("submit", remember);
  }

  function enhanceAll(root) {
    root.querySelectorAll("select[data-picker]:not([multiple])").forEach(enhance);
  }
  enhanceAll(document);
  document.addEventListener("htmx:load", function (event) { enhanceAll(event.detail.elt); });
})();
