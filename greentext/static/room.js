// The phone page of a room vote (served by greentext/ui/room.py; no framework, no external request).
// It polls the room's state about once a second with its ETag (an unchanged room answers 304, no body),
// shows the step's context and candidates as text (textContent only: nothing is parsed as HTML), and posts
// this phone's vote. The phone's id is random and kept in localStorage: a reload or a new connection keeps
// its place and its vote.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("room-data").textContent);
  var W = data.words, lang = data.lang;
  var base = location.pathname.replace(/\/+$/, "");  // …/room/4827 (or …/room: the page asking for a code)
  var found = base.match(/\/room\/(\d{4})$/), code = found ? found[1] : null;
  var unknown = !code && /\/room\/[^/]+$/.test(base);  // …/room/abc: no such room
  var POLL = data.poll || 1000, SLOW = 5000;
  var phone = phoneId(), etag = null, view = null, timer = null, failures = 0;
  var sending = null, error = "", votedAt = 0, gone = false;
  var $ = function (id) { return document.getElementById(id); };

  function phoneId() {
    var key = "greentext-room-phone", id = null;
    try { id = localStorage.getItem(key); } catch (e) { /* storage off: this page's life only */ }
    if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);  // (randomUUID needs https; a LAN address is plain http)
      id = btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      try { localStorage.setItem(key, id); } catch (e) { /* idem */ }
    }
    return id;
  }

  function t(key, values) {
    var s = W[key] || key;
    Object.keys(values || {}).forEach(function (k) { s = s.split("{" + k + "}").join(String(values[k])); });
    return s;
  }
  function pct(p) {
    if (p > 0 && p < 0.0005) return "<" + (lang === "pt" ? "0,1" : "0.1") + "%";
    var s = (p * 100).toFixed(1);
    return (lang === "pt" ? s.replace(".", ",") : s) + "%";
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function show(id, on) { $(id).hidden = !on; }
  function textOf(id) {
    var c = (view.candidates || []).filter(function (c) { return c.id === id; })[0];
    return c ? c.text : "?";
  }
  // "{token}" in a sentence, the token in code type
  function sentence(target, key, values) {
    target.textContent = "";
    var parts = t(key, Object.assign({}, values, { token: "\u0000token\u0000", vote: "\u0000vote\u0000" }))
      .split("\u0000");
    parts.forEach(function (part) {
      if (part === "token" || part === "vote") target.appendChild(el("code", "", values[part]));
      else if (part) target.appendChild(document.createTextNode(part));
    });
  }

  function render() {
    if (gone) return;
    var v = view;
    show("join", false);
    // the last round, as this phone lived it
    var last = v.last;
    show("last", !!last && v.phase !== "revealed");
    if (last) {
      var key = last.vote === null ? "room_last" : last.vote === last.chosen ? "room_last_right" : "room_last_wrong";
      sentence($("last"), key, { token: last.text, vote: last.vote_text || "?" });
      if (last.by) $("last").appendChild(document.createTextNode(" (" + t("room_by_" + last.by) + ")"));
    }
    var open = v.phase === "voting" || v.phase === "revealed";
    show("vote", open);
    show("waiting", !open);
    $("waiting").textContent = t("room_waiting");
    if (!open) return;
    $("step").textContent = t("room_step", { n: v.step + 1 });
    var result = v.result;
    if (result && result.chosen !== null && result.chosen !== undefined) {
      sentence($("question"), result.by === "room" ? "room_picked_room"
               : result.by === "presenter" ? "room_picked_presenter" : "room_picked_model",
               { token: textOf(result.chosen) });
    } else {
      $("question").textContent = result ? t("room_closed_votes") : t(v.mode === "should" ? "room_should" : "room_will");
    }
    renderContext(v);
    var list = $("cands");
    list.textContent = "";
    v.candidates.forEach(function (c) {
      var mine = (sending !== null ? sending : v.vote) === c.id;
      var b = el("button", "cand" + (mine ? " mine" : "") + (sending === c.id ? " sending" : ""));
      b.type = "button";
      b.dataset.id = c.id;
      b.appendChild(el("span", "tok", c.text));
      var tag = sending === c.id ? t("room_sending") : mine ? "✓ " + t("room_your_vote") : "";
      if (result && result.choice === c.id) tag = (tag ? tag + " · " : "") + "★ " + t("room_choice");
      b.appendChild(el("span", "tag", tag));
      if (result) {
        b.disabled = true;
        var n = result.votes[c.id] || 0, share = result.voters ? n / result.voters : 0;
        var bar = el("span", "bar"), fill = el("span");
        fill.style.width = (share * 100).toFixed(1) + "%";
        bar.appendChild(fill);
        b.appendChild(bar);
        var nums = [(n === 1 ? t("room_votes_one") : t("room_votes_many", { n: n })) + " (" + pct(share) + ")"];
        if (result.p[c.id] !== undefined) nums.push(t("room_model_p", { p: pct(result.p[c.id]) }));
        if (result.p_draw[c.id] !== undefined && Math.abs(result.p_draw[c.id] - (result.p[c.id] || 0)) >= 0.0005) {
          nums.push(t("room_draw_p", { p: pct(result.p_draw[c.id]) }));
        }
        b.appendChild(el("span", "nums", nums.join(" · ")));
        if (result.chosen === c.id) b.classList.add("chosen");
        b.setAttribute("aria-pressed", mine ? "true" : "false");
      } else {
        b.setAttribute("aria-pressed", mine ? "true" : "false");
        b.addEventListener("click", function () { vote(c.id); });
      }
      var li = el("li");
      li.appendChild(b);
      list.appendChild(li);
    });
    $("hint").textContent = result ? "" : t("room_tap");
    $("error").textContent = error;
    show("error", !!error);
  }

  function renderContext(v) {
    var box = $("context");
    box.textContent = "";
    var lines = ((v.cut ? "…" : "") + v.context).split("\n");
    lines.forEach(function (line, i) {
      var span = el("span", line.charAt(0) === ">" || (i === 0 && line.charAt(1) === ">") ? "green" : "", line);
      box.appendChild(span);
      if (i < lines.length - 1) box.appendChild(document.createTextNode("\n"));
    });
    box.appendChild(el("span", "cursor", "?"));
    box.scrollTop = box.scrollHeight;
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(poll, document.hidden ? Math.max(ms, SLOW) : ms);
  }

  function poll() {
    clearTimeout(timer);
    var started = Date.now(), headers = {};
    if (etag) headers["If-None-Match"] = etag;
    fetch(base + "/state?phone=" + encodeURIComponent(phone), { headers: headers, cache: "no-store" })
      .then(function (r) {
        if (r.status === 304) return null;
        if (r.status === 404) return r.json().then(function (j) { closed(j.message); return null; });
        if (!r.ok) throw new Error("HTTP " + r.status);
        var tag = r.headers.get("ETag");
        return r.json().then(function (j) { return { tag: tag, view: j }; });
      })
      .then(function (got) {
        failures = 0;
        show("net", false);
        if (got) {
          // a poll that left before this phone's last vote came back may still show the vote before it
          if (started < votedAt && view && view.round === got.view.round) got.view.vote = view.vote;
          else etag = got.tag;
          if (view && view.round !== got.view.round) error = "";
          view = got.view;
          render();
        }
        if (!gone) schedule(POLL);
      })
      .catch(function () {
        failures += 1;
        $("net").textContent = t("room_offline");
        show("net", failures > 1);
        schedule(Math.min(SLOW, POLL * (1 + failures)));
      });
  }

  function vote(id) {
    if (!view || view.phase !== "voting" || sending !== null) return;
    sending = id;
    error = "";
    render();
    var body = JSON.stringify({ phone: phone, step: view.step, round: view.round, token: id });
    fetch(base + "/vote", { method: "POST", headers: { "Content-Type": "application/json" }, body: body,
                            cache: "no-store" })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, status: r.status, j: j }; }); })
      .then(function (res) {
        sending = null;
        votedAt = Date.now();
        if (res.ok) view.vote = res.j.vote;
        else error = res.j.message || "";
        render();
        if (!res.ok && res.status === 409) poll();  // the vote moved on: show what is open now
      })
      .catch(function () {
        sending = null;
        error = t("room_offline");
        render();
      });
  }

  function closed(message) {
    gone = true;
    clearTimeout(timer);
    show("vote", false);
    show("waiting", false);
    show("last", false);
    joinForm(message);
  }

  function joinForm(message) {
    show("join", true);
    $("gone").textContent = message || "";
    show("gone", !!message);
    document.querySelector("#join label").textContent = t("room_code");
    document.querySelector("#join button").textContent = t("room_join");
    $("join-help").textContent = t("room_join_help");
  }

  $("join").addEventListener("submit", function (e) {
    e.preventDefault();
    var typed = ($("code").value || "").replace(/\D/g, "");
    if (typed.length === 4) location.href = base.replace(/\/room(\/[^/]*)?$/, "/room/") + typed;
  });
  document.addEventListener("visibilitychange", function () { if (!document.hidden && !gone && code) poll(); });

  document.title = (code ? t("room_title", { code: code }) : t("room_code")) + " · GPT-2 Greentext Lab";
  $("title").textContent = code ? t("room_title", { code: code }) : "";
  if (code) poll();
  else joinForm(unknown ? t("room_unknown") : "");
})();
