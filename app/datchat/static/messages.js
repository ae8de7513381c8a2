// The message list: stored messages in stream-id order, then your own not yet stored ones.
// User text only ever goes through textContent, never innerHTML.
import { idTime, newerThan, when } from "./format.js";

// What the mark after one of your own messages says, by its data-state.
const STATE_LABELS = {
  pending: "pending",
  resent: "resent",
  stored: "stored",
  refused: "refused",
};
const STATE_TITLES = {
  pending: "sent, not acknowledged yet",
  queued: "typed while disconnected: goes out once the page is back",
  resent: "sent again after a reconnect, with the same client_id",
  stored: "acknowledged: stored in the room's history",
  refused: "the server refused it",
};

function part(tag, className, text = "") {
  const element = document.createElement(tag);
  element.className = className;
  element.textContent = text;
  return element;
}

export class MessageList {
  constructor(list) {
    this.list = list;
    this.seen = new Set(); // ids shown
    this.ids = new Map(); // client_id -> set of ids shown with it: more than one is a double
    this.own = new Map(); // client_id -> li, for your own messages
    this.lastId = null; // the newest id shown: resumes with `since` after a reconnect
  }

  clear() {
    this.list.replaceChildren();
    this.seen.clear();
    this.ids.clear();
    this.own.clear();
    this.lastId = null;
  }

  row(name, text) {
    const li = document.createElement("li");
    li.append(part("time", "at"), part("span", "who", name), part("span", "text", text));
    return li;
  }

  // A message from the stream (history or live); false if it was shown already.
  show(m) {
    if (this.seen.has(m.id)) return false;
    const li = this.own.get(m.client_id) ?? this.row(m.name, m.text);
    if (li.dataset.id) return this.showDouble(m);
    this.place(li, m.id, m.client_id);
    if (this.own.has(m.client_id)) this.setState(m.client_id, "stored");
    return true;
  }

  showDouble(m) {
    // The same client_id stored under a second id: shown, so that a double is visible.
    const li = this.row(m.name, m.text);
    li.classList.add("double");
    this.place(li, m.id, m.client_id);
    return true;
  }

  place(li, id, clientId) {
    this.seen.add(id);
    if (!this.ids.has(clientId)) this.ids.set(clientId, new Set());
    this.ids.get(clientId).add(id);
    if (newerThan(id, this.lastId)) this.lastId = id;
    li.dataset.id = id;
    li.dataset.clientId = clientId;
    const at = li.querySelector(".at");
    const date = idTime(id);
    at.dateTime = date.toISOString();
    at.textContent = when(date);
    at.title = date.toString();
    const follow = this.atBottom();
    let after = this.list.lastElementChild;
    while (after !== null && (!after.dataset.id || newerThan(after.dataset.id, id) || after === li)) {
      after = after.previousElementSibling;
    }
    if (after === null) this.list.prepend(li);
    else after.after(li);
    if (follow) this.list.scrollTop = this.list.scrollHeight;
  }

  atBottom() {
    const l = this.list;
    return l.scrollHeight - l.scrollTop - l.clientHeight < 40;
  }

  // One of your own messages, not stored yet: at the end, below every stored one.
  addOwn(clientId, name, text, state) {
    const li = this.row(name, text);
    li.classList.add("own");
    li.dataset.clientId = clientId;
    li.append(part("span", "mark"));
    this.own.set(clientId, li);
    this.setState(clientId, state);
    this.list.append(li);
    this.list.scrollTop = this.list.scrollHeight;
  }

  // state: pending | queued (pending, not on the wire yet) | resent | stored | refused
  setState(clientId, state, detail = "") {
    const li = this.own.get(clientId);
    if (li === undefined) return;
    if (state === "resent") li.dataset.resent = "true";
    const shown = state === "queued" ? "pending" : state;
    li.dataset.state = shown;
    const mark = li.querySelector(".mark");
    let label = STATE_LABELS[shown];
    if (shown === "stored" && li.dataset.resent) label = "stored after resend";
    mark.textContent = detail ? `${label}: ${detail}` : label;
    mark.title = STATE_TITLES[state];
  }

  // The ack: stored under id, whether or not its echo from the stream arrived yet.
  stored(clientId, id) {
    const li = this.own.get(clientId);
    if (li === undefined) return;
    if (!li.dataset.id && !this.seen.has(id)) this.place(li, id, clientId);
    this.setState(clientId, "stored");
  }

  // How many distinct stored messages carry this client_id (1 = stored once).
  timesStored(clientId) {
    return this.ids.get(clientId)?.size ?? 0;
  }
}
