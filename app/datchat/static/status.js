// The header line: the connection's state (with a countdown while it waits to retry) and
// the node serving it.

const LABELS = {
  idle: "not connected",
  connecting: "connecting…",
  connected: "connected",
  offline: "offline",
};

export class Status {
  constructor(state, node) {
    this.state = state;
    this.node = node;
    this.timer = null;
  }

  set(state, { attempt = 0, at = 0, node = null } = {}) {
    clearInterval(this.timer);
    this.timer = null;
    this.state.dataset.state = state;
    this.state.dataset.attempt = String(attempt);
    document.body.dataset.connection = state;
    if (node !== null) this.node.textContent = node;
    if (state === "reconnecting") {
      const tick = () => {
        const left = Math.max(0, at - performance.now()) / 1000;
        this.state.textContent = `reconnecting in ${left.toFixed(1)} s`;
      };
      tick();
      this.timer = setInterval(tick, 100);
    } else if (state === "connecting" && attempt > 1) {
      this.state.textContent = `connecting… (attempt ${attempt})`;
    } else {
      this.state.textContent = LABELS[state];
    }
  }
}
