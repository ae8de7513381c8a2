"use strict";
// The chat page. User text only ever goes through textContent, never innerHTML.
(() => {
  const $ = (id) => document.getElementById(id);
  const BACKOFF_FIRST_MS = 500;
  const BACKOFF_MAX_MS = 10000;
  let ws = null;
  let backoff = BACKOFF_FIRST_MS;
  let joined = null; // {room, name}
  let lastId = null; // newest message id seen: resumes with `since` after a reconnect
  const seen = new Set();
  const unacked = new Map(); // client_id -> {text, li}: resent with the same id after a reconnect

  function setState(state, label) {
    $("state").dataset.state = state;
    $("state").textContent = label;
    const open = state === "open" && joined !== null;
    $("text").disabled = !open;
    $("send").disabled = !open;
  }

  function newerThan(a, b) {
    if (b === null) return true;
    const [am, as] = a.split("-").map(BigInt);
    const [bm, bs] = b.split("-").map(BigInt);
    return am > bm || (am === bm && as > bs);
  }

  function showMessage(m) {
    if (seen.has(m.id)) return;
    seen.add(m.id);
    if (newerThan(m.id, lastId)) lastId = m.id;
    const pending = unacked.get(m.client_id);
    const li = pending ? pending.li : document.createElement("li");
    li.classList.remove("pending");
    li.dataset.id = m.id;
    li.replaceChildren();
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = m.name;
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = m.text;
    li.append(who, text);
    if (!pending) $("messages").append(li);
    li.scrollIntoView({ block: "end" });
  }

  function showMembers(members) {
    $("members").replaceChildren(
      ...members.map((name) => {
        const li = document.createElement("li");
        li.textContent = name;
        return li;
      }),
    );
  }

  // crypto.randomUUID needs a secure context; the lab serves plain http on the VIP.
  function randomId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "joined":
        $("node").textContent = frame.node;
        if (frame.truncated) $("notice").textContent = "Some older messages were trimmed from history.";
        frame.history.forEach(showMessage);
        backoff = BACKOFF_FIRST_MS;
        setState("open", "connected");
        for (const [clientId, m] of unacked) send({ type: "say", room: joined.room, text: m.text, client_id: clientId });
        break;
      case "message":
        showMessage(frame);
        break;
      case "ack":
        unacked.delete(frame.client_id);
        break;
      case "presence":
        showMembers(frame.members);
        break;
      case "error":
        $("notice").textContent = `${frame.code}: ${frame.message}`;
        break;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${scheme}://${location.host}/ws`);
    setState("connecting", "connecting…");
    ws.onopen = () => send({ type: "join", room: joined.room, name: joined.name, since: lastId });
    ws.onmessage = (event) => onFrame(JSON.parse(event.data));
    ws.onclose = () => {
      const delay = backoff / 2 + Math.random() * (backoff / 2);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      setState("reconnecting", `reconnecting in ${(delay / 1000).toFixed(1)} s`);
      setTimeout(connect, delay);
    };
  }

  $("join").addEventListener("submit", (event) => {
    event.preventDefault();
    const room = $("room").value.trim();
    const name = $("name").value.trim();
    if (joined && ws) {
      if (joined.room !== room) {
        send({ type: "leave", room: joined.room });
        $("messages").replaceChildren();
        seen.clear();
        lastId = null;
      }
      joined = { room, name };
      send({ type: "join", room, name, since: lastId });
      return;
    }
    joined = { room, name };
    connect();
  });

  $("say").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value;
    if (!text) return;
    const clientId = randomId();
    const li = document.createElement("li");
    li.className = "pending";
    li.textContent = text;
    $("messages").append(li);
    unacked.set(clientId, { text, li });
    send({ type: "say", room: joined.room, text, client_id: clientId });
    $("text").value = "";
  });
})();
