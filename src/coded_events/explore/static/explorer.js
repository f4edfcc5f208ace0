/* coded-events explorer: wires the Vega-Lite views, the event table and the event card.
 * The data and the specs are inlined in the page (file:// forbids fetch); the views are
 * Vega-Lite specs compiled here and drawn by Vega. Selecting an event (a table row, a mark,
 * a link in a card) highlights it in every view through the signal `selected_id`.
 * When everything has rendered, <html data-ready="true"> is set (tests and benchmarks
 * wait for it). */
performance.mark("explorer-start");
(function () {
  "use strict";
  const PAGE_SIZE = 25;
  const payload = JSON.parse(document.getElementById("explorer-data").textContent);
  const specs = JSON.parse(document.getElementById("explorer-specs").textContent);
  const events = payload.events;
  const byId = new Map(events.map((e) => [e.id, e]));
  const state = { visible: events, sortKey: "date", sortDir: 1, page: 0, selected: null };
  const views = {};
  const form = document.getElementById("filters");

  // view -> the named data it draws
  const VIEW_DATA = { timeline: ["events"], map: ["events"], network: ["edges", "actors"] };

  // filter name -> whether an event passes it, given the control's value
  const FILTERS = {
    from: (e, v) => e.date_end >= v,
    to: (e, v) => e.date <= v,
    quad: (e, v) => String(e.quad) === v,
    root: (e, v) => e.root === v,
    actor: (e, v) => e.actors.includes(v),
    certainty: (e, v) => e.certainty === v,
  };

  // table column: [key, title, cell text, sort value]
  const COLUMNS = [
    ["id", "Event", (e) => e.id, (e) => e.id],
    ["date", "Date", (e) => e.date_text + (e.approximate ? " ~" : ""), (e) => e.date + e.id],
    ["src", "Source", (e) => e.src, (e) => e.src],
    ["action", "Action", (e) => e.code + " " + e.label, (e) => e.code],
    ["tgt", "Target", (e) => e.tgt || "", (e) => e.tgt || ""],
    ["place", "Place", (e) => e.place, (e) => e.place],
    ["certainty", "Certainty", (e) => e.certainty, (e) => e.certainty],
    ["quad", "QuadClass", (e) => e.quad_label, (e) => e.quad],
  ];

  /** The UTF-16 index of code point `cp` in `text`: quote offsets count code points,
   * JavaScript strings count UTF-16 units (a character outside the BMP takes two). */
  function cpToUtf16(text, cp) {
    let unit = 0;
    for (let n = 0; n < cp && unit < text.length; n++) {
      const c = text.charCodeAt(unit);
      unit += c >= 0xd800 && c <= 0xdbff && unit + 1 < text.length ? 2 : 1;
    }
    return unit;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v);
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  function filtered() {
    const active = Object.entries(FILTERS)
      .map(([name, test]) => [test, form.elements[name].value])
      .filter(([, value]) => value);
    return events.filter((e) => active.every(([test, value]) => test(e, value)));
  }

  /** What the timeline and the map draw of an event: few fields, one tooltip string. */
  function viewRow(e) {
    return {
      id: e.id, row: e.row, t0: e.t0, t1: e.t1, point: e.point, lat: e.lat, lon: e.lon,
      quad_label: e.quad_label, approx_label: e.approx_label, geo_precision: e.geo_precision,
      tip: `${e.id} ${e.date_text}: ${e.src} ${e.code} ${e.label}${e.tgt ? " " + e.tgt : ""}, ${e.place}`,
    };
  }

  function viewData(visible) {
    const ids = new Set(visible.map((e) => e.id));
    const counted = (rows) =>
      rows
        .map((r) => ({ ...r, count: r.ids.filter((id) => ids.has(id)).length }))
        .filter((r) => r.count > 0);
    return {
      events: visible.map(viewRow), // Vega annotates its tuples; keep the payload clean
      edges: counted(payload.edges),
      actors: counted(payload.actors),
    };
  }

  function sorted(rows) {
    const key = COLUMNS.find((c) => c[0] === state.sortKey)[3];
    const keyed = rows.map((e) => [key(e), e]);
    keyed.sort(([x, a], [y, b]) => (x < y ? -1 : x > y ? 1 : 0) * state.sortDir || a.row - b.row);
    return keyed.map(([, e]) => e);
  }

  function renderTable() {
    const rows = sorted(state.visible);
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    state.page = Math.min(state.page, pages - 1);
    const body = document.querySelector("#events-table tbody");
    body.replaceChildren(
      ...rows.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE).map((e) =>
        el("tr", { dataset: { id: e.id }, class: e.id === state.selected ? "selected" : "" },
          ...COLUMNS.map((c) => el("td", {}, c[2](e)))))
    );
    document.querySelectorAll("#events-table th").forEach((th) => {
      th.dataset.sort = th.dataset.key === state.sortKey ? (state.sortDir > 0 ? "asc" : "desc") : "";
    });
    document.getElementById("page-of").textContent = `page ${state.page + 1} of ${pages}`;
    document.getElementById("count").textContent =
      `${state.visible.length} of ${events.length} events`;
    document.getElementById("count").dataset.count = state.visible.length;
  }

  function renderUnplaced() {
    const list = document.querySelector("#unplaced ul");
    const unplaced = state.visible.filter((e) => e.lat === null || e.lon === null);
    list.replaceChildren(...unplaced.map((e) =>
      el("li", {}, el("a", { href: "#", dataset: { event: e.id } }, e.id), ` ${e.label}: ${e.place}`)));
    document.getElementById("unplaced").hidden = unplaced.length === 0;
  }

  function field(name, ...value) {
    return [el("dt", {}, name), el("dd", {}, ...value)];
  }

  function eventLink(id, type) {
    const target = byId.get(id);
    return el("li", {}, `${type} `, el("a", { href: "#", dataset: { event: id } }, id),
      target ? ` ${target.label}` : " (not in this release)");
  }

  /** `text` with every quote of `quotes` wrapped in <mark> at its place. */
  function highlighted(text, quotes) {
    const spans = quotes
      .map((q) => ({ q, start: cpToUtf16(text, q.start), end: cpToUtf16(text, q.end) }))
      .sort((a, b) => a.start - b.start || a.end - b.end);
    const out = [];
    let at = 0;
    for (const span of spans) {
      const start = Math.max(span.start, at); // overlapping quotes: the later starts where the earlier ends
      if (start > at) out.push(text.slice(at, start));
      if (span.end > start) {
        out.push(el("mark", { dataset: { start: span.q.start, end: span.q.end } },
          text.slice(start, span.end)));
        at = span.end;
      }
    }
    out.push(text.slice(at));
    return el("pre", { class: "article" }, ...out);
  }

  function renderCard(e) {
    const card = document.getElementById("card");
    if (!e) { card.hidden = true; return; }
    const actor = (code, name) => (code ? `${code} (${name || "unnamed"})` : "none");
    const place = [e.place, e.admin1, e.country].filter(Boolean).join(", ");
    const coords = e.lat === null ? "no coordinates" : `${e.lat}, ${e.lon}`;
    const quantities = (e.quantities || []).map((q) =>
      el("li", {}, `${q.value} ${q.unit} (${q.qualifier})${q.as_written ? `: "${q.as_written}"` : ""}`));
    const quotes = e.quotes.map((q) => {
      const source = payload.sources[q.source_id] || {};
      return el("blockquote", { dataset: { start: q.start, end: q.end } }, q.quote,
        el("cite", {}, `${source.title || q.source_id}, ${source.publisher || ""}, characters ${q.start}-${q.end}`));
    });
    const articles = [...new Set(e.quotes.map((q) => q.source_id))]
      .filter((id) => payload.texts[id] !== undefined)
      .map((id) => el("section", { class: "source", dataset: { source: id } },
        el("h4", {}, (payload.sources[id] || {}).title || id),
        highlighted(payload.texts[id], e.quotes.filter((q) => q.source_id === id))));
    card.replaceChildren(
      el("button", { type: "button", class: "close", "aria-label": "close" }, "×"),
      el("h3", {}, `${e.id}: ${e.code} ${e.label}`),
      el("dl", {},
        ...field("Source actor", actor(e.src, e.src_name)),
        ...field("Target actor", actor(e.tgt, e.tgt_name)),
        ...field("Date", e.date_text + (e.approximate ? " (approximate)" : ""),
          e.date_note ? el("p", { class: "note" }, e.date_note) : null),
        ...field("Place", `${place} (${e.geo_precision}; ${coords})`),
        ...field("Certainty", e.certainty),
        ...field("Status", e.status),
        ...field("QuadClass", `${e.quad_label}; Goldstein ${e.goldstein ?? "n/a"}`),
        ...(quantities.length ? field("Quantities", el("ul", {}, ...quantities)) : []),
        ...(e.links.length || e.linked_from.length ? field("Links", el("ul", {},
          ...e.links.map((l) => eventLink(l.event, l.type)),
          ...e.linked_from.map((l) => eventLink(l.event, `${l.type} (from)`)))) : []),
        ...(e.notes ? field("Coder's notes", el("p", { class: "note" }, e.notes)) : [])),
      el("h4", {}, "Evidence"), ...quotes, ...articles);
    card.dataset.event = e.id;
    card.hidden = false;
  }

  async function runViews(visible) {
    const data = visible ? viewData(visible) : null;
    await Promise.all(Object.entries(views).map(([name, view]) => {
      if (data) VIEW_DATA[name].forEach((d) => view.data(d, data[d]));
      return view.signal("selected_id", state.selected).runAsync();
    }));
  }

  async function select(id) {
    state.selected = byId.has(id) ? id : null;
    const index = sorted(state.visible).findIndex((e) => e.id === state.selected);
    if (index >= 0) state.page = Math.floor(index / PAGE_SIZE);
    renderTable();
    renderCard(byId.get(state.selected));
    await runViews(null);
  }

  async function update() {
    state.visible = filtered();
    state.page = 0;
    renderTable();
    renderUnplaced();
    await runViews(state.visible);
  }

  function onViewClick(item) {
    const datum = item && item.datum;
    if (!datum) return;
    if (datum.code && datum.names) { // an actor node: filter to its events
      form.elements.actor.value = datum.code;
      update();
    } else if (datum.ids) select(datum.ids.find((id) => state.visible.some((e) => e.id === id)));
    else if (datum.id) select(datum.id);
  }

  function fillOptions() {
    const options = (name, entries) => form.elements[name].append(
      ...entries.map(([value, label]) => el("option", { value }, label)));
    const present = (key) => [...new Set(events.map((e) => e[key]))].sort();
    options("quad", present("quad").map((q) => [String(q), events.find((e) => e.quad === q).quad_label]));
    options("root", Object.entries(payload.roots).map(([code, label]) => [code, `${code} ${label}`]));
    options("actor", payload.actors.map((a) => [a.code, `${a.code} (${a.count})`]));
    options("certainty", present("certainty").map((c) => [c, c]));
    const head = document.querySelector("#events-table thead");
    head.append(el("tr", {}, ...COLUMNS.map(([key, title]) =>
      el("th", { dataset: { key }, tabindex: "0", role: "button" }, title))));
  }

  function wire() {
    form.addEventListener("change", update);
    form.addEventListener("reset", () => setTimeout(update, 0));
    document.querySelector("#events-table thead").addEventListener("click", (ev) => {
      const key = ev.target.dataset.key;
      if (!key) return;
      state.sortDir = key === state.sortKey ? -state.sortDir : 1;
      state.sortKey = key;
      state.page = 0;
      renderTable();
    });
    document.querySelector("#events-table tbody").addEventListener("click", (ev) => {
      const row = ev.target.closest("tr");
      if (row) select(row.dataset.id);
    });
    document.getElementById("pager").addEventListener("click", (ev) => {
      const step = Number(ev.target.dataset.step || 0);
      state.page = Math.max(0, state.page + step);
      renderTable();
    });
    document.body.addEventListener("click", (ev) => {
      const link = ev.target.closest("a[data-event]");
      if (link) { ev.preventDefault(); select(link.dataset.event); }
      if (ev.target.closest("#card .close")) select(null);
    });
  }

  function makeView(name) {
    const compiled = vegaLite.compile(specs[name]).spec;
    const view = new vega.View(vega.parse(compiled), {
      renderer: "canvas", container: `#${name}`, hover: true,
    });
    view.addEventListener("click", (_, item) => onViewClick(item));
    views[name] = view;
  }

  /** Mark name -> number of items drawn, over the whole scenegraph of a view. */
  function markCounts(view) {
    const counts = {};
    (function walk(mark) {
      if (mark.name) counts[mark.name] = (counts[mark.name] || 0) + mark.items.length;
      for (const item of mark.items || []) (item.items || []).forEach(walk);
    })(view.scenegraph().root);
    return counts;
  }

  async function start() {
    fillOptions();
    wire();
    Object.keys(VIEW_DATA).forEach(makeView);
    await update();
    document.documentElement.dataset.ready = "true";
  }

  window.explorer = { cpToUtf16, select, update, views, state, markCounts };
  start().catch((error) => {
    console.error(error);
    const box = document.getElementById("error");
    box.textContent = `The explorer failed: ${error}`;
    box.hidden = false;
    document.documentElement.dataset.ready = "error";
  });
})();
