// The chat page: one room over one Connection, and what the cluster does to it on screen.
import { Connection } from "./connection.js";
import { EventLog } from "./eventlog.js";
import { JOIN_REFUSED, closeCode, count, duration, idTime, when } from "./format.js";
import { MessageList } from "./messages.js";
import { Status } from "./status.js";

const $ = (id) => document.getElementById(id);
const messages = new MessageList($("messages"));
const log = new EventLog($("events"));
const status = new Status($("state"), $("node"));
const RETRY_SAY_MS = 1000; // a say the server could not store now ("unavailable") goes again
const outbox = new Map(); // client_id -> {room, text, sent: times on the wire, retry: timer}
let want = null; // {room, name}: what the user joined
let inRoom = false; // this socket's join was answered
let joining = false; // a join is out on this socket, unanswered
let session = null; // {node, since}: the joined connection, until it closes
let lost = null; // {node, at}: the connection lost, until the page is joined again
let troubled = false; // "could not join" is logged once per run of failures
let batch = null; // {ids, again, fresh}: what a rejoin sent again, until every one is acked

const conn = new Connection({ onOpen: sendJoin, onFrame, onClose, onState: status.set.bind(status) });

// crypto.randomUUID needs a secure context; the lab serves plain http on the VIP.
function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function sendJoin() {
  inRoom = false;
  joining = conn.send({ type: "join", room: want.room, name: want.name, since: messages.lastId });
}

function sendSay(clientId, entry) {
  const frame = { type: "say", room: entry.room, text: entry.text, client_id: clientId };
  if (!inRoom || entry.room !== want.room || !conn.send(frame)) return false;
  entry.sent += 1;
  return true;
}

function onFrame(frame) {
  if (frame.room !== undefined && frame.room !== want.room) return; // a room just left
  if (frame.type === "joined") onJoined(frame);
  else if (frame.type === "message") onStored(frame.client_id, () => messages.show(frame));
  else if (frame.type === "ack") onStored(frame.client_id, () => messages.stored(frame.client_id, frame.id));
  else if (frame.type === "presence") showMembers(frame.members);
  else if (frame.type === "error") onError(frame);
}

function onJoined(frame) {
  const since = messages.lastId;
  const sameSocket = session !== null;
  joining = false;
  inRoom = true;
  troubled = false;
  conn.joined();
  let resumed = 0;
  for (const m of frame.history) if (messages.show(m)) resumed += 1;
  for (const m of frame.history) outbox.delete(m.client_id); // stored before the loss
  const node = frame.node;
  session = { node, since: performance.now() };
  status.set("connected", { node });
  if (lost !== null) {
    const ms = performance.measure("datchat:reconnect", { start: lost.at }).duration;
    const missed = resumed ? `resumed ${count(resumed, "missed message")}` : "nothing missed";
    const data = { event: "reconnected", node, lost: lost.node, resumed, ms: Math.round(ms) };
    log.add("up", `reconnected to ${node} in ${duration(ms)}, ${missed}`, data);
    lost = null;
  } else if (sameSocket) {
    log.add("info", `joined ${want.room} as ${want.name} on ${node}`, { event: "joined", node });
  } else {
    log.add("up", `connected to ${node}`, { event: "connected", node });
  }
  if (frame.truncated) logTruncated(since, frame.history);
  resendPending();
}

// The server says only that messages after `since` were trimmed; their times bound them.
function logTruncated(since, history) {
  const after = since === null ? null : when(idTime(since));
  const before = history.length ? when(idTime(history[0].id)) : null;
  let gone = "older messages";
  if (after && before) gone = `messages between ${after} and ${before}`;
  else if (after) gone = `messages after ${after}`;
  log.add("warn", `history truncated: ${gone} not kept`, { event: "truncated" });
}

function resendPending() {
  batch = { ids: new Set(), again: 0, fresh: 0 };
  for (const [clientId, entry] of outbox) {
    if (entry.room !== want.room) continue;
    clearTimeout(entry.retry);
    const again = entry.sent > 0;
    if (!sendSay(clientId, entry)) continue;
    messages.setState(clientId, again ? "resent" : "pending");
    batch.ids.add(clientId);
    if (again) batch.again += 1;
    else batch.fresh += 1;
  }
  if (batch.ids.size === 0) batch = null;
}

// An ack, or the message itself from the stream: either way it is stored.
function onStored(clientId, show) {
  show();
  const entry = outbox.get(clientId);
  if (entry === undefined) return;
  clearTimeout(entry.retry);
  outbox.delete(clientId);
  messages.setState(clientId, "stored");
  checkBatch();
}

function checkBatch() {
  if (batch === null || [...batch.ids].some((id) => outbox.has(id))) return;
  const n = batch.ids.size;
  const doubles = [...batch.ids].filter((id) => messages.timesStored(id) > 1).length;
  const parts = [];
  if (batch.again) parts.push(`resent ${batch.again} pending`);
  if (batch.fresh) parts.push(`sent ${batch.fresh} typed while away`);
  const once = n === 1 ? "stored once" : n === 2 ? "both stored once" : `all ${n} stored once`;
  const outcome = doubles ? `${doubles} of ${n} stored twice` : once;
  const data = { event: "resent", resent: batch.again, sent: batch.fresh, doubles };
  log.add(doubles ? "warn" : "up", `${parts.join(", ")}${parts.length > 1 ? ":" : ","} ${outcome}`, data);
  batch = null;
}

function onError(frame) {
  const clientId = frame.client_id;
  const entry = clientId ? outbox.get(clientId) : undefined;
  if (entry !== undefined) {
    if (frame.code === "unavailable" || frame.code === "rate_limited") {
      messages.setState(clientId, entry.sent > 1 ? "resent" : "pending", frame.code);
      const wait = RETRY_SAY_MS * Math.min(2 ** (entry.sent - 1), 8);
      clearTimeout(entry.retry);
      entry.retry = setTimeout(() => {
        if (outbox.has(clientId) && sendSay(clientId, entry)) messages.setState(clientId, "resent");
      }, wait);
      return;
    }
    outbox.delete(clientId);
    batch?.ids.delete(clientId);
    messages.setState(clientId, "refused", frame.code);
    checkBatch();
  } else if (joining && !inRoom) {
    joining = false;
    log.add("warn", `join refused: ${frame.code}`, { event: "refused", code: frame.code });
    // No history here now (its Redis is away): try again, maybe on another node.
    if (frame.code === "unavailable") return conn.drop(JOIN_REFUSED);
  }
  $("notice").textContent = `${frame.code}: ${frame.message}`;
}

function onClose({ code }) {
  inRoom = joining = false;
  if (session !== null) {
    const now = performance.now();
    lost = { node: session.node, at: now };
    const after = duration(now - session.since);
    const data = { event: "lost", node: session.node, code };
    log.add("down", `lost ${session.node} after ${after} (${closeCode(code)})`, data);
    session = null;
  } else if (lost === null && !troubled) {
    troubled = true;
    log.add("down", `could not join (${closeCode(code)})`, { event: "failed", code });
  }
}

function showMembers(members) {
  $("count").textContent = String(members.length);
  $("members").replaceChildren(
    ...members.map((name) => {
      const li = document.createElement("li");
      li.textContent = name;
      if (name === want.name) li.className = "me";
      return li;
    }),
  );
}

$("join").addEventListener("submit", (event) => {
  event.preventDefault();
  const room = $("room").value.trim();
  const name = $("name").value.trim();
  if (!room || !name) return;
  const first = want === null;
  if (!first && want.room !== room) {
    if (inRoom) conn.send({ type: "leave", room: want.room });
    const left = [...outbox].filter(([, entry]) => entry.room === want.room);
    for (const [clientId] of left) outbox.delete(clientId);
    if (left.length) log.add("warn", `gave up ${left.length} pending in ${want.room}`, {});
    batch = null;
    messages.clear();
    showMembers([]);
  }
  want = { room, name };
  if (first) conn.start();
  else if (conn.open) sendJoin();
  $("text").disabled = $("send").disabled = false;
  $("text").focus();
});

$("say").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("text").value;
  if (!text || want === null) return;
  const clientId = randomId();
  const entry = { room: want.room, text, sent: 0, retry: null };
  outbox.set(clientId, entry);
  messages.addOwn(clientId, want.name, text, "queued");
  if (sendSay(clientId, entry)) messages.setState(clientId, "pending");
  $("text").value = "";
});
