// One websocket to the page's own origin (/ws, whatever node the load balancer picks), kept
// open: the first retry goes right away (with jitter, so a node's clients do not all land on
// the same millisecond), then backoff doubles; a silent socket is probed with a ping.
import { NO_ANSWER } from "./format.js";

export const FIRST_RETRY_JITTER_MS = 250;
export const BACKOFF_FIRST_MS = 500;
export const BACKOFF_MAX_MS = 10000;
// A socket that has said nothing for IDLE_PING_MS is asked; no frame within PONG_WAIT_MS and
// it is given up (an LB that vanished or a frozen node does not close anything).
export const IDLE_PING_MS = 5000;
export const PONG_WAIT_MS = 2500;
// A handshake that has not finished by then is given up too (a blackholed LB address).
export const CONNECT_WAIT_MS = 5000;
const WATCH_MS = 500;

export function retryDelay(failures) {
  if (failures <= 1) return Math.random() * FIRST_RETRY_JITTER_MS;
  const base = Math.min(BACKOFF_FIRST_MS * 2 ** (failures - 2), BACKOFF_MAX_MS);
  return base / 2 + Math.random() * (base / 2);
}

export class Connection {
  // handlers: onOpen(), onFrame(frame), onClose({code, opened}), onState(state, detail)
  constructor(handlers) {
    this.on = handlers;
    this.ws = null;
    this.failures = 0; // attempts since the last successful join
    this.retryTimer = null;
    this.heardAt = 0;
    this.dialedAt = 0;
    this.pingAt = null;
    setInterval(() => this.watch(), WATCH_MS);
    addEventListener("offline", () => this.wentOffline());
    addEventListener("online", () => this.cameOnline());
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  start() {
    if (this.ws === null && this.retryTimer === null) this.connect();
  }

  connect() {
    this.retryTimer = null;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = (this.ws = new WebSocket(`${scheme}://${location.host}/ws`));
    let opened = false;
    this.dialedAt = performance.now();
    this.on.onState("connecting", { attempt: this.failures + 1 });
    ws.onopen = () => {
      opened = true;
      this.heard();
      this.on.onOpen();
    };
    ws.onmessage = (event) => {
      const probing = this.pingAt !== null;
      this.heard();
      const frame = JSON.parse(event.data);
      // A node from before `ping` refuses it (bad_frame): an answer all the same.
      const refusedPing = probing && frame.type === "error" && frame.code === "bad_frame";
      if (frame.type !== "pong" && !(refusedPing && !frame.client_id)) this.on.onFrame(frame);
    };
    ws.onclose = (event) => this.closed(ws, event.code, opened);
  }

  // The owner joined: the next loss starts over with an immediate retry.
  joined() {
    this.failures = 0;
  }

  send(frame) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  // Leave this socket now (never waiting for a close handshake a dead peer cannot answer).
  drop(code) {
    const ws = this.ws;
    if (ws === null) return;
    const opened = ws.readyState !== WebSocket.CONNECTING;
    ws.onclose = ws.onmessage = ws.onopen = null;
    ws.close(code);
    this.closed(ws, code, opened);
  }

  closed(ws, code, opened) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.pingAt = null;
    this.failures += 1;
    this.on.onClose({ code, opened });
    this.scheduleRetry();
  }

  scheduleRetry() {
    if (!navigator.onLine) {
      this.on.onState("offline", {});
      return; // cameOnline() dials again
    }
    const delay = retryDelay(this.failures);
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.on.onState("reconnecting", { at: performance.now() + delay, attempt: this.failures + 1 });
  }

  wentOffline() {
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.on.onState("offline", {});
    } else if (this.open && this.pingAt === null) {
      this.ping(); // an open socket may be dead already: find out now, not in IDLE_PING_MS
    }
  }

  cameOnline() {
    if (this.ws !== null) return;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.connect();
  }

  heard() {
    this.heardAt = performance.now();
    this.pingAt = null;
  }

  ping() {
    this.pingAt = performance.now();
    this.send({ type: "ping" });
  }

  watch() {
    const now = performance.now();
    if (this.ws !== null && this.ws.readyState === WebSocket.CONNECTING) {
      if (now - this.dialedAt > CONNECT_WAIT_MS) this.drop(NO_ANSWER);
      return;
    }
    if (!this.open) return;
    if (this.pingAt !== null && now - this.pingAt > PONG_WAIT_MS) this.drop(NO_ANSWER);
    else if (this.pingAt === null && now - this.heardAt > IDLE_PING_MS) this.ping();
  }
}
