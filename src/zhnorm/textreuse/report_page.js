// The zhnorm reuse report: draws the data embedded in #zhnorm-data (see
// zhnorm/textreuse/report.py for its layout), one view and one page at a time.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("zhnorm-data").textContent);
  const PAGE = D.pageSize;
  const docs = D.docs; // [id, source, date, title, text]
  const P = D.passages; // [a, b, a0, a1, b0, b1, score, significance, story, cluster, dir]

  // ---------- helpers ----------
  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
  const src = (d) => docs[d][1] || D.noSource;
  const date = (d) => docs[d][2];
  const label = (d) => docs[d][3] || docs[d][0];
  function shortDate(s) { return s ? s.replace("T", " ").slice(0, 16) : ""; }
  function num(x, digits) { return x === null || x === undefined ? "—" : Number(x).toFixed(digits); }
  function go(route, text, cls) {
    return '<a class="go' + (cls ? " " + cls : "") + '" data-go="' + esc(route) + '">' + esc(text) + "</a>";
  }
  function docLink(d) {
    return go("article/" + d, label(d), "doc-link");
  }
  function docCells(d) {
    return "<td>" + esc(src(d)) + "</td><td>" + esc(shortDate(date(d))) + "</td><td>" + docLink(d) +
      (docs[d][3] ? ' <span class="muted">' + esc(docs[d][0]) + "</span>" : "") + "</td>";
  }
  // Distinct background colours for n spans of one view: golden-angle hues, three lightnesses.
  function colour(i) {
    const hue = (i * 137.50776405) % 360;
    return "hsl(" + hue.toFixed(2) + ", 85%, " + [82, 73, 89][i % 3] + "%)";
  }
  // Offsets are code points; JavaScript strings count UTF-16 units.
  function slicer(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) return (x, y) => text.slice(x, y);
    const cps = Array.from(text);
    return (x, y) => cps.slice(x, y).join("");
  }
  function cpLength(text) {
    return /[\uD800-\uDFFF]/.test(text) ? Array.from(text).length : text.length;
  }
  // text with spans {start, end, id (global passage), colour} marked and furniture
  // [start, end] greyed; marks carry data-side/passages/passage/start/end.
  function marked(text, spans, furn, side) {
    const cut = slicer(text);
    const points = new Set([0, cpLength(text)]);
    for (const s of spans) { points.add(s.start); points.add(s.end); }
    for (const f of furn) { points.add(f[0]); points.add(f[1]); }
    const sorted = Array.from(points).sort((x, y) => x - y);
    const colourOf = new Map(spans.map((s) => [s.id, s.colour]));
    const out = [];
    for (let i = 0; i + 1 < sorted.length; i++) {
      const x = sorted[i], y = sorted[i + 1];
      if (x === y) continue;
      const piece = esc(cut(x, y));
      const covering = Array.from(new Set(spans.filter((s) => s.start <= x && y <= s.end).map((s) => s.id)))
        .sort((p, q) => p - q);
      const grey = furn.some((f) => f[0] <= x && y <= f[1]);
      if (!covering.length) {
        out.push(grey ? '<span class="furniture" title="furniture">' + piece + "</span>" : piece);
        continue;
      }
      const first = covering[0];
      const cls = (covering.length > 1 ? "multi " : "") + (grey ? "furniture" : "");
      out.push('<mark class="' + cls.trim() + '" style="background:' + colourOf.get(first) + '" data-side="' + side +
        '" data-passage="' + first + '" data-passages="' + covering.join(" ") + '" data-start="' + x +
        '" data-end="' + y + '" title="passage ' + covering.join(" ") + '">' + piece + "</mark>");
    }
    return out.join("");
  }

  // ---------- indexes ----------
  const pairs = new Map(); // "a-b" (a <= b) -> {key, a, b, items, chars, sig, story}
  P.forEach((p, n) => {
    const a = Math.min(p[0], p[1]), b = Math.max(p[0], p[1]);
    const key = a + "-" + b;
    let pair = pairs.get(key);
    if (!pair) { pair = { key: key, a: a, b: b, items: [], chars: 0, sig: null, story: null }; pairs.set(key, pair); }
    pair.items.push(n);
    pair.chars += p[3] - p[2];
    if (p[7] !== null && (pair.sig === null || p[7] > pair.sig)) pair.sig = p[7];
    if (pair.story === null && p[8] !== null) pair.story = p[8];
  });
  const pairList = Array.from(pairs.values()).sort((x, y) => y.chars - x.chars || x.a - y.a || x.b - y.b);
  const docPairs = docs.map(() => []);
  for (const pair of pairList) { docPairs[pair.a].push(pair); if (pair.b !== pair.a) docPairs[pair.b].push(pair); }
  const stories = D.stories;
  const storyById = new Map(stories.map((s) => [s.story, s]));
  const clusters = D.clusters; // [cluster, story, significance, text, likely, members]
  const clusterById = new Map(clusters.map((c) => [c[0], c]));
  const storySig = new Map();
  function raise(id, sig) {
    if (id === null || sig === null) return;
    if (!storySig.has(id) || storySig.get(id) < sig) storySig.set(id, sig);
  }
  P.forEach((p) => raise(p[8], p[7]));
  clusters.forEach((c) => raise(c[1], c[2]));
  stories.forEach((s) => s.clusters.forEach((c) => { if (clusterById.has(c)) raise(s.story, clusterById.get(c)[2]); }));
  const docStories = docs.map(() => []);
  stories.forEach((s) => s.members.forEach((m) => docStories[m[0]].push(s.story)));
  const docClusters = docs.map(() => []);
  clusters.forEach((c) => c[5].forEach((m) => docClusters[m[0]].push(c)));
  const docFurniture = docs.map(() => []);
  D.furniture.forEach((f) => f[4].forEach((o) => docFurniture[o[0]].push([o[1], o[2]])));
  const outletNames = D.outlets.map((o) => o.source);
  function storyDates(s) {
    const ds = s.members.map((m) => date(m[0])).filter(Boolean).sort();
    return [s.first || ds[0] || null, s.last || ds[ds.length - 1] || null];
  }

  // ---------- filters ----------
  const state = { tab: null, pages: {}, q: "", outlet: "", from: "", to: "", minSig: 0, route: null, sub: {} };
  const lower = [];
  function docMatches(d) {
    if (!state.q) return true;
    if (lower[d] === undefined) lower[d] = (docs[d][0] + "\u0000" + (docs[d][3] || "") + "\u0000" + docs[d][4]).toLowerCase();
    return lower[d].includes(state.q);
  }
  const outletOk = (d) => !state.outlet || src(d) === state.outlet;
  // The day of an ISO-8601 date ("2017/11/26 10:00" is taken as 2017-11-26 too).
  function isoDay(s) { return s.slice(0, 10).replace(/\//g, "-"); }
  function dayIn(s) {
    if (!state.from && !state.to) return true;
    if (!s) return false;
    const day = isoDay(s);
    return (!state.from || day >= state.from) && (!state.to || day <= state.to);
  }
  const sigOk = (sig) => !state.minSig || (sig !== null && sig !== undefined && sig >= state.minSig);
  const filters = {
    stories: (s) => {
      if (state.outlet && !s.members.some((m) => outletOk(m[0])) && !s.outlets.includes(state.outlet)) return false;
      if (state.from || state.to) {
        const [first, last] = storyDates(s);
        if (!first || !last) return false;
        if ((state.to && isoDay(first) > state.to) || (state.from && isoDay(last) < state.from)) return false;
      }
      if (!sigOk(storySig.has(s.story) ? storySig.get(s.story) : null)) return false;
      return !state.q || (s.title || "").toLowerCase().includes(state.q) || String(s.story) === state.q ||
        s.members.some((m) => docMatches(m[0]));
    },
    pairs: (pair) => (outletOk(pair.a) || outletOk(pair.b)) && (dayIn(date(pair.a)) || dayIn(date(pair.b))) &&
      sigOk(pair.sig) && (docMatches(pair.a) || docMatches(pair.b)),
    clusters: (c) => (!state.outlet || c[5].some((m) => outletOk(m[0]))) &&
      (!(state.from || state.to) || c[5].some((m) => dayIn(date(m[0])))) && sigOk(c[2]) &&
      (!state.q || c[3].toLowerCase().includes(state.q) || c[5].some((m) => docMatches(m[0]))),
    articles: (d) => outletOk(d) && dayIn(date(d)) && docMatches(d),
    furniture: (f) => (!state.outlet || (f[0] || D.noSource) === state.outlet) &&
      (!state.q || f[1].toLowerCase().includes(state.q)),
    repeats: (g) => (!state.outlet || g.occurrences.some((o) => typeof o[0] === "number" && outletOk(o[0]))) &&
      (!state.q || g.text.toLowerCase().includes(state.q)),
  };

  // ---------- list views ----------
  // Page buttons of list `scope` ("list" for the tab's list, else a part of a detail view).
  function pager(total, page, scope) {
    const last = Math.max(0, Math.ceil(total / PAGE) - 1);
    const b = (to, text, cls, off) => '<button class="' + cls + '" data-pg="' + scope + ":" + to + '"' + (off ? " disabled" : "") + ">" + text + "</button>";
    return '<div class="pager" data-pager="' + scope + '">' + b(0, "« first", "first", page === 0) +
      b(Math.max(0, page - 1), "‹ previous", "prev", page === 0) +
      '<span class="pageinfo">page ' + (page + 1) + " of " + (last + 1) + " (" + total + " rows)</span>" +
      b(Math.min(last, page + 1), "next ›", "next", page >= last) + b(last, "last »", "last", page >= last) +
      ' go to <input class="jump" type="number" min="1" max="' + (last + 1) + '" value="' + (page + 1) + '" data-jump="' + scope + '"></div>';
  }
  function paged(items, key) {
    const last = Math.max(0, Math.ceil(items.length / PAGE) - 1);
    const page = Math.min(state.pages[key] || 0, last);
    state.pages[key] = page;
    return { rows: items.slice(page * PAGE, (page + 1) * PAGE), page: page, pager: pager(items.length, page, "list") };
  }
  function table(head, rows, cls) {
    if (!rows.length) return '<p class="empty">Nothing to show' + (anyFilter() ? " with these filters." : ".") + "</p>";
    return '<table class="' + cls + '"><thead><tr>' + head.map((h) => (h[0] === "#" ? '<th class="num">' + esc(h.slice(1)) : "<th>" + esc(h)) + "</th>").join("") +
      "</tr></thead><tbody>" + rows.join("") + "</tbody></table>";
  }
  function anyFilter() { return !!(state.q || state.outlet || state.from || state.to || state.minSig); }
  function outletTags(list) { return list.map((o) => '<span class="tag">' + esc(o) + "</span>").join(""); }
  function storyRow(s) {
    const [first, last] = storyDates(s);
    const sig = storySig.has(s.story) ? storySig.get(s.story) : null;
    return '<tr class="row story-row" data-story="' + s.story + '"><td class="num">' + go("story/" + s.story, String(s.story)) +
      "</td><td>" + go("story/" + s.story, s.title || (s.members.length ? label(s.members[0][0]) : "story " + s.story)) +
      "</td><td>" + outletTags(s.outlets) + "</td><td>" + esc(shortDate(first)) + (last && last !== first ? " – " + esc(shortDate(last)) : "") +
      '</td><td class="num">' + s.size + '</td><td class="num">' + (s.passages === null || s.passages === undefined ? "—" : s.passages) +
      '</td><td class="num">' + num(sig, 2) + "</td></tr>";
  }
  const STORY_HEAD = ["#story", "title", "outlets", "dates", "#articles", "#passages", "#significance"];
  function pairRow(pair) {
    return '<tr class="row pair-row" data-pair="' + pair.key + '"><td>' + esc(src(pair.a)) + "</td><td>" + go("pair/" + pair.key, label(pair.a)) +
      "</td><td>" + esc(src(pair.b)) + "</td><td>" + go("pair/" + pair.key, label(pair.b)) + '</td><td class="num">' + pair.items.length +
      '</td><td class="num">' + pair.chars + '</td><td class="num">' + num(pair.sig, 2) + "</td><td>" +
      (pair.story === null ? "" : go("story/" + pair.story, String(pair.story))) + "</td></tr>";
  }
  const PAIR_HEAD = ["outlet A", "article A", "outlet B", "article B", "#passages", "#shared chars", "#max significance", "story"];
  function clusterRow(c) {
    const outlets = Array.from(new Set(c[5].map((m) => src(m[0])))).sort();
    return '<tr class="row cluster-row" data-cluster="' + c[0] + '"><td class="num">' + go("cluster/" + c[0], String(c[0])) +
      '</td><td class="num">' + num(c[2], 2) + '</td><td class="num">' + c[5].length + "</td><td>" + outletTags(outlets) + "</td><td>" +
      (c[4] === null ? '<span class="muted">—</span>' : docLink(c[4])) + "</td><td>" + (c[1] === null ? "" : go("story/" + c[1], String(c[1]))) +
      '</td><td class="snippet">' + esc(c[3].slice(0, 80)) + "</td></tr>";
  }
  const CLUSTER_HEAD = ["#cluster", "#significance", "#articles", "outlets", "likely source", "story", "text"];
  function articleRow(d) {
    return '<tr class="row article-row" data-doc="' + d + '">' + docCells(d) + '<td class="num">' + cpLength(docs[d][4]) +
      '</td><td class="num">' + docPairs[d].length + "</td><td>" + docStories[d].map((s) => go("story/" + s, String(s))).join(" ") + "</td></tr>";
  }
  const ARTICLE_HEAD = ["outlet", "date", "title", "#characters", "#pairs", "stories"];

  const TABS = [
    ["stories", "Stories", () => stories.length],
    ["pairs", "Article pairs", () => pairList.length],
    ["clusters", "Passage clusters", () => clusters.length],
    ["articles", "Articles", () => docs.length],
    ["outlets", "Outlets", () => outletNames.length],
    ["furniture", "Furniture", () => D.furniture.length],
    ["repeats", "Repeated paragraphs", () => D.repeats.length],
  ];

  function listView(tab) {
    if (tab === "outlets") return outletsView();
    const source = { stories: stories, pairs: pairList, clusters: clusters, articles: docs.map((_, i) => i), furniture: D.furniture, repeats: D.repeats }[tab];
    const items = source.filter(filters[tab]);
    const pg = paged(items, tab);
    let body;
    if (tab === "stories") body = table(STORY_HEAD, pg.rows.map(storyRow), "stories");
    else if (tab === "pairs") body = table(PAIR_HEAD, pg.rows.map(pairRow), "pairs");
    else if (tab === "clusters") body = table(CLUSTER_HEAD, pg.rows.map(clusterRow), "clusters");
    else if (tab === "articles") body = table(ARTICLE_HEAD, pg.rows.map(articleRow), "articles");
    else if (tab === "furniture") return furnitureView(items, pg);
    else body = table(["#group", "kind", "#count", "#articles", "paragraph", "where"], pg.rows.map(repeatRow), "repeats");
    const empty = !source.length ? '<p class="empty">' + { stories: "No stories in this run.", pairs: "No shared passages.", clusters: "No passage clusters in this run.", articles: "No articles.", repeats: "No repeated paragraphs." }[tab] + "</p>" : "";
    return '<p class="meta count">' + items.length + " of " + source.length + " shown" + (anyFilter() ? " (filtered)" : "") + "</p>" + empty + pg.pager + body + pg.pager;
  }
  function repeatRow(g) {
    const where = g.occurrences.slice(0, 8).map((o) =>
      (typeof o[0] === "number" ? docLink(o[0]) : esc(o[0])) + " ¶" + esc(o[1]) + " [" + o[2] + ":" + o[3] + "]").join("; ") +
      (g.occurrences.length > 8 ? "; … " + (g.occurrences.length - 8) + " more" : "");
    const kind = g.kind + (g.boilerplate ? " · boilerplate" : "") + (g.furniture ? " · furniture" : "");
    return '<tr class="row repeat-row"><td class="num">' + esc(g.group) + "</td><td>" + esc(kind) + '</td><td class="num">' + esc(g.count) +
      '</td><td class="num">' + esc(g.documents === null ? "—" : g.documents) + '</td><td class="snippet">' + esc(g.text.slice(0, 80)) + "</td><td>" + where + "</td></tr>";
  }
  function outletsView() {
    const rows = D.outlets.map((o) => '<tr class="outlet-row" data-outlet="' + esc(o.source) + '"><td>' + esc(o.source) + '</td><td class="num">' + o.articles +
      '</td><td class="num">' + o.linked + '</td><td class="num">' + o.passages + '</td><td class="num">' + o.cross + '</td><td class="num">' + o.furniture +
      '</td><td class="num">' + (100 * o.furniture_share).toFixed(1) + "%</td></tr>");
    const m = D.matrix;
    const head = "<tr><th>earlier ↓ · later →</th>" + m.outlets.map((o) => '<th class="num">' + esc(o) + "</th>").join("") + "</tr>";
    const body = m.outlets.map((o, i) => '<tr><th>' + esc(o) + "</th>" + m.counts[i].map((n, j) =>
      '<td class="num' + (n ? "" : " zero") + '" data-from="' + esc(o) + '" data-to="' + esc(m.outlets[j]) + '">' + n + "</td>").join("") + "</tr>").join("");
    return "<h2>Outlets</h2>" + table(["outlet", "#articles", "#articles in a passage", "#passages", "#passages across outlets", "#furniture items", "#furniture share of text"], rows, "outlets").replace('class="outlets"', 'class="outlets" id="outlets"') +
      "<h2>Who copied whom</h2><p class=\"meta\">Passages with a direction, counted from the outlet of the earlier article (its likely source, row) to the outlet of the later one (column)." +
      " Passages without a direction (no dates, or the same date): " + m.undirected + ".</p>" +
      (m.outlets.length ? '<table id="matrix"><thead>' + head + "</thead><tbody>" + body + "</tbody></table>" : '<p class="empty">No outlets.</p>');
  }
  function furnitureView(items, pg) {
    const per = D.outlets.filter((o) => o.furniture || !state.outlet || o.source === state.outlet).filter((o) => !state.outlet || o.source === state.outlet);
    const occ = new Map();
    D.furniture.forEach((f) => { const s = f[0] || D.noSource; occ.set(s, (occ.get(s) || 0) + f[4].length); });
    const summary = per.map((o) => '<tr class="furniture-source" data-outlet="' + esc(o.source) + '"><td>' + esc(o.source) + '</td><td class="num">' + o.furniture +
      '</td><td class="num">' + (occ.get(o.source) || 0) + '</td><td class="num">' + (100 * o.furniture_share).toFixed(1) + "%</td></tr>");
    const rows = pg.rows.map((f) => '<tr class="row furniture-row"><td>' + esc(f[0] || D.noSource) + '</td><td class="snippet"><span class="furniture">' + esc(f[1].slice(0, 120)) +
      '</span></td><td class="num">' + esc(f[2]) + '</td><td class="num">' + (f[3] === null ? "—" : (100 * f[3]).toFixed(1) + "%") + '</td><td class="num">' + f[4].length +
      "</td><td>" + f[4].slice(0, 3).map((o) => docLink(o[0])).join("; ") + "</td></tr>");
    return "<h2>Furniture per outlet</h2><p class=\"meta\">Text that recurs across an outlet's articles (share lines, bylines, promotions…): kept out of stories and passages, greyed in the texts.</p>" +
      table(["outlet", "#items", "#occurrences", "#share of the outlet's text"], summary, "furniture-sources") +
      "<h2>Furniture items</h2>" + '<p class="meta count">' + items.length + " of " + D.furniture.length + " shown</p>" + pg.pager +
      table(["outlet", "text", "#articles", "#share of articles", "#occurrences", "examples"], rows, "furniture-items") + pg.pager;
  }

  // ---------- detail views ----------
  function subPaged(items, scope) {
    const last = Math.max(0, Math.ceil(items.length / PAGE) - 1);
    const page = Math.min(state.sub[scope] || 0, last);
    state.sub[scope] = page;
    return { rows: items.slice(page * PAGE, (page + 1) * PAGE), pager: items.length > PAGE ? pager(items.length, page, scope) : "" };
  }
  function setPage(scope, page) {
    if (scope === "list") state.pages[state.tab] = page; else state.sub[scope] = page;
    render();
  }
  function storyView(id) {
    const s = storyById.get(id);
    if (!s) return '<p class="empty">No story ' + esc(id) + ".</p>";
    const [first, last] = storyDates(s);
    const members = s.members.map((m) => '<tr class="member-row" data-doc="' + m[0] + '">' + docCells(m[0]) + '<td class="num">' + num(m[1], 3) + "</td></tr>");
    const own = s.clusters.map((c) => clusterById.get(c)).filter(Boolean);
    const memberSet = new Set(s.members.map((m) => m[0]));
    const storyPairs = pairList.filter((p) => p.items.some((n) => P[n][8] === s.story) || (memberSet.has(p.a) && memberSet.has(p.b)));
    const sp = subPaged(storyPairs, "pairs");
    const mp = subPaged(members, "members");
    const cp = subPaged(own.map(clusterRow), "clusters");
    return '<h2 class="story-title">Story ' + s.story + ": " + esc(s.title || (s.members.length ? label(s.members[0][0]) : "")) + "</h2>" +
      '<p class="meta">' + outletTags(s.outlets) + " " + esc(shortDate(first)) + (last && last !== first ? " – " + esc(shortDate(last)) : "") +
      " · " + s.size + " articles · " + (s.passages === null || s.passages === undefined ? "" : s.passages + " passages · ") +
      own.length + " passage clusters</p>" +
      "<h3>Articles</h3>" + mp.pager + table(["outlet", "date", "title", "#membership score"], mp.rows, "members") +
      "<h3>Passage clusters</h3>" + cp.pager + table(CLUSTER_HEAD, cp.rows, "clusters") +
      "<h3>Article pairs sharing passages</h3>" + sp.pager + table(PAIR_HEAD, sp.rows.map(pairRow), "pairs");
  }
  function clusterView(id) {
    const c = clusterById.get(id);
    if (!c) return '<p class="empty">No cluster ' + esc(id) + ".</p>";
    const rows = c[5].map((m) => '<tr class="cluster-member" data-doc="' + m[0] + '">' + docCells(m[0]) + '<td class="num">' + m[1] + "–" + m[2] +
      "</td><td>" + (m[3] === null ? '<span class="muted">' + (m[0] === c[4] ? "likely source" : "—") + "</span>" : docLink(m[3])) +
      '</td><td class="snippet">' + esc(slicer(docs[m[0]][4])(m[1], m[2]).slice(0, 80)) + "</td></tr>");
    return "<h2>Passage cluster " + c[0] + "</h2><p class=\"meta\">significance " + num(c[2], 3) + " · " + c[5].length + " articles" +
      (c[1] === null ? "" : " · story " + go("story/" + c[1], String(c[1]))) + " · likely source: " + (c[4] === null ? "unknown" : docLink(c[4])) + "</p>" +
      '<p class="snippet">' + esc(c[3]) + "</p>" + table(["outlet", "date", "article", "#offsets", "follows", "text"], rows, "cluster-members");
  }
  function repairsBlock(d) {
    if (!D.repairs) return "";
    const r = D.repairs[String(d)];
    if (!r) return '<div class="repairs">Repairs: none needed.</div>';
    const summary = r.counts.map((c) => c[0] + " " + c[1]).join(", ") || "none";
    const items = r.examples.map((e) => "<li>" + esc(e[0]) + ": <code>" + esc(e[1]) + "</code> → <code>" + esc(e[2]) + '</code> <span class="why">' + esc(e[3]) + "</span></li>")
      .concat(r.notes.map((n) => "<li>reported, kept: " + esc(n[0]) + " <code>" + esc(n[1]) + "</code></li>"));
    return '<details class="repairs"><summary>Repairs applied before matching: ' + esc(summary) + (r.notes.length ? "; notes " + r.notes.length : "") +
      "</summary><ul>" + items.join("") + "</ul></details>";
  }
  function docHead(side, d) {
    return '<h3>' + (side ? side.toUpperCase() + ": " : "") + esc(label(d)) + "</h3>" + '<p class="meta">' + esc(src(d)) + " · " + esc(shortDate(date(d)) || "no date") +
      " · id " + esc(docs[d][0]) + " · " + cpLength(docs[d][4]) + " characters</p>" + repairsBlock(d);
  }
  function pairView(key) {
    const pair = pairs.get(key);
    if (!pair) return '<p class="empty">No pair ' + esc(key) + ".</p>";
    const a = [], b = [], rows = [];
    pair.items.forEach((n, i) => {
      const p = P[n], flip = p[0] !== pair.a, c = colour(i);
      const sa = flip ? [p[4], p[5]] : [p[2], p[3]], sb = flip ? [p[2], p[3]] : [p[4], p[5]];
      a.push({ start: sa[0], end: sa[1], id: n, colour: c });
      b.push({ start: sb[0], end: sb[1], id: n, colour: c });
      const dir = p[10] === 0 ? "" : (p[10] === 1) !== flip ? "A → B" : "B → A";
      rows.push('<tr class="passage-row" data-passage="' + n + '"><td><span class="sw" style="background:' + c + '"></span> ' + n + '</td><td class="num">' + num(p[7], 3) +
        '</td><td class="num">' + num(p[6], 3) + '</td><td class="num">' + sa[0] + "–" + sa[1] + '</td><td class="num">' + sb[0] + "–" + sb[1] + "</td><td>" + dir +
        "</td><td>" + (p[9] === null ? "" : go("cluster/" + p[9], String(p[9]))) + '</td><td class="snippet">' + esc(slicer(docs[pair.a][4])(sa[0], sa[1]).slice(0, 60)) + "</td></tr>");
    });
    const cover = (d, spans) => { const len = cpLength(docs[d][4]); return len ? (100 * covered(spans) / len).toFixed(1) + "%" : "0%"; };
    return '<h2 class="pair-title">' + esc(src(pair.a)) + " · " + esc(label(pair.a)) + " ↔ " + esc(src(pair.b)) + " · " + esc(label(pair.b)) + "</h2>" +
      '<p class="meta">' + pair.items.length + " shared passages" + (pair.story === null ? "" : " · story " + go("story/" + pair.story, String(pair.story))) +
      " · shared text covers " + cover(pair.a, a) + " of A and " + cover(pair.b, b) + " of B. Grey: furniture.</p>" +
      '<div class="pair"><div class="doc" data-side="a" data-doc="' + esc(docs[pair.a][0]) + '">' + docHead("a", pair.a) + '<div class="text">' + marked(docs[pair.a][4], a, docFurniture[pair.a], "a") +
      '</div></div><div class="doc" data-side="b" data-doc="' + esc(docs[pair.b][0]) + '">' + docHead("b", pair.b) + '<div class="text">' + marked(docs[pair.b][4], b, docFurniture[pair.b], "b") + "</div></div></div>" +
      "<h3>Shared passages</h3>" + table(["passage", "#significance", "#score", "#A offsets", "#B offsets", "direction", "cluster", "text"], rows, "passages");
  }
  function covered(spans) {
    let total = 0, cursor = 0;
    for (const s of spans.slice().sort((x, y) => x.start - y.start || x.end - y.end)) {
      const start = Math.max(s.start, cursor);
      if (s.end > start) { total += s.end - start; cursor = s.end; }
    }
    return total;
  }
  function articleView(d) {
    if (!(d >= 0 && d < docs.length)) return '<p class="empty">No article ' + esc(d) + ".</p>";
    const spans = [], rows = [];
    docPairs[d].forEach((pair, i) => {
      const other = pair.a === d ? pair.b : pair.a, c = colour(i);
      pair.items.forEach((n) => {
        const p = P[n];
        const mine = p[0] === d ? [p[2], p[3]] : [p[4], p[5]];
        spans.push({ start: mine[0], end: mine[1], id: n, colour: c });
      });
      rows.push('<tr class="row pair-row" data-pair="' + pair.key + '"><td><span class="sw" style="background:' + c + '"></span></td>' + docCells(other) +
        '<td class="num">' + pair.items.length + "</td><td>" + go("pair/" + pair.key, "side by side") + "</td></tr>");
    });
    const pp = subPaged(rows, "partners");
    const st = docStories[d].map((s) => go("story/" + s, "story " + s + (storyById.get(s).title ? ": " + storyById.get(s).title : ""))).join("; ");
    const cl = docClusters[d].map((c) => go("cluster/" + c[0], "cluster " + c[0])).join(" ");
    return '<div class="doc article" data-doc="' + esc(docs[d][0]) + '">' + docHead("", d) + (st ? '<p class="meta">In ' + st + "</p>" : "") +
      (cl ? '<p class="meta">Passage clusters: ' + cl + "</p>" : "") +
      pp.pager + table(["", "outlet", "date", "shares passages with", "#passages", ""], pp.rows, "partners") +
      '<div class="text">' + marked(docs[d][4], spans, docFurniture[d], "a") + "</div></div>";
  }

  // ---------- frame, routing, events ----------
  const app = document.getElementById("app");
  const counts = docs.length + " articles from " + outletNames.length + " outlets · " + stories.length + " stories · " + P.length +
    " shared passages between " + pairList.length + " article pairs · " + clusters.length + " passage clusters · " + D.furniture.length + " furniture items";
  app.innerHTML = "<header><h1>" + esc(D.title) + '</h1><p class="meta summary">' + esc(counts) +
    ". Offsets are code points of the original, unrepaired texts." + (D.note ? " " + esc(D.note) : "") + '</p><nav class="tabs">' +
    TABS.map((t) => '<button data-tab="' + t[0] + '">' + t[1] + " (" + t[2]() + ")</button>").join("") + "</nav></header>" +
    '<div class="filters"><label>Search <input type="search" id="q" placeholder="title, text or id"></label>' +
    '<label>Outlet <select id="outlet"><option value="">all</option>' + outletNames.map((o) => '<option value="' + esc(o) + '">' + esc(o) + "</option>").join("") + "</select></label>" +
    '<label>From <input type="date" id="from"></label><label>to <input type="date" id="to"></label>' +
    '<label>Min. significance <input type="number" id="minsig" min="0" step="0.05" value="0"></label>' +
    '<button id="clear">clear</button></div><main id="view"></main>';
  const view = document.getElementById("view");

  function render() {
    const r = state.route;
    let html;
    if (r && r.kind === "story") html = storyView(r.id);
    else if (r && r.kind === "pair") html = pairView(r.id);
    else if (r && r.kind === "article") html = articleView(r.id);
    else if (r && r.kind === "cluster") html = clusterView(r.id);
    else html = listView(state.tab);
    const back = r ? '<p class="meta">' + go(state.tab, "← back to " + TABS.find((t) => t[0] === state.tab)[1].toLowerCase()) + "</p>" : "";
    view.innerHTML = back + html;
    app.querySelectorAll("nav.tabs button").forEach((b) => b.classList.toggle("on", b.dataset.tab === state.tab));
    document.body.dataset.view = r ? r.kind : state.tab;
  }
  function parse(hash) {
    const h = decodeURIComponent(hash.replace(/^#/, ""));
    const slash = h.indexOf("/");
    if (slash < 0) return TABS.some((t) => t[0] === h) ? { tab: h } : { tab: stories.length ? "stories" : "pairs" };
    const kind = h.slice(0, slash), rest = h.slice(slash + 1);
    const id = kind === "pair" ? rest : Number(rest);
    const tab = { story: "stories", pair: "pairs", article: "articles", cluster: "clusters" }[kind];
    return tab ? { tab: tab, route: { kind: kind, id: id } } : { tab: "stories" };
  }
  function navigate(hash, push) {
    const to = parse(hash);
    if (to.route) {
      if (!state.route || state.route.kind !== to.route.kind || state.route.id !== to.route.id) state.sub = {};
      if (!state.tab) state.tab = to.tab; // back returns to the list it was opened from
    } else state.tab = to.tab;
    state.route = to.route || null;
    if (push && location.hash !== "#" + hash) history.pushState(null, "", "#" + hash);
    render();
    if (push) window.scrollTo(0, 0);
  }
  window.addEventListener("hashchange", () => navigate(location.hash, false));
  window.addEventListener("popstate", () => navigate(location.hash, false));
  app.addEventListener("click", (e) => {
    const t = e.target.closest("[data-go],[data-tab],[data-pg]");
    if (!t || t.disabled) return;
    if (t.dataset.go !== undefined) { e.preventDefault(); navigate(t.dataset.go, true); }
    else if (t.dataset.tab !== undefined) { state.route = null; navigate(t.dataset.tab, true); }
    else if (t.dataset.pg !== undefined) { const [scope, page] = t.dataset.pg.split(":"); setPage(scope, Number(page)); }
  });
  app.addEventListener("change", (e) => {
    const t = e.target;
    if (!t.dataset || !t.dataset.jump) return;
    const page = Math.max(0, Number(t.value) - 1 || 0);
    setPage(t.dataset.jump, page);
  });
  function refilter() {
    state.q = document.getElementById("q").value.trim().toLowerCase();
    state.outlet = document.getElementById("outlet").value;
    state.from = document.getElementById("from").value;
    state.to = document.getElementById("to").value;
    state.minSig = Number(document.getElementById("minsig").value) || 0;
    state.pages = {};
    if (state.route) { state.route = null; history.pushState(null, "", "#" + state.tab); }
    render();
  }
  ["q", "outlet", "from", "to", "minsig"].forEach((id) => document.getElementById(id).addEventListener("input", refilter));
  document.getElementById("clear").addEventListener("click", () => {
    ["q", "outlet", "from", "to"].forEach((id) => { document.getElementById(id).value = ""; });
    document.getElementById("minsig").value = "0";
    refilter();
  });
  const start = location.hash.replace(/^#/, "");
  navigate(start || (stories.length ? "stories" : pairList.length === 1 ? "pair/" + pairList[0].key : "pairs"), false);
  document.body.dataset.ready = "1";
})();
