// The connection's story, newest first: what the cluster did to this page, in a few words.
import { clock } from "./format.js";

export const KEEP = 20;

export class EventLog {
  constructor(list) {
    this.list = list;
  }

  // kind: "up" | "down" | "warn" | "info" (its colour); data: data-* attributes for tests.
  add(kind, text, data = {}) {
    const li = document.createElement("li");
    li.className = kind;
    const at = document.createElement("time");
    const now = new Date();
    at.dateTime = now.toISOString();
    at.textContent = clock(now);
    const what = document.createElement("span");
    what.textContent = text;
    li.append(at, what);
    Object.assign(li.dataset, data);
    this.list.prepend(li);
    while (this.list.children.length > KEEP) this.list.lastElementChild.remove();
  }
}
