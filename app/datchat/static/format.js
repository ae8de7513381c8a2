// How the page writes times, durations, counts and close codes. No DOM here.

const pad = (n) => String(n).padStart(2, "0");

// A Redis stream id is "<milliseconds since the epoch>-<sequence>": the time Redis stored it.
export function idTime(id) {
  return new Date(Number(id.split("-")[0]));
}

export function newerThan(a, b) {
  if (b === null) return true;
  const [am, as] = a.split("-").map(BigInt);
  const [bm, bs] = b.split("-").map(BigInt);
  return am > bm || (am === bm && as > bs);
}

export function clock(date) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function day(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// Local wall-clock time; the date too unless it is today.
export function when(date, now = new Date()) {
  return day(date) === day(now) ? clock(date) : `${day(date)} ${clock(date)}`;
}

export function duration(ms) {
  // No-break spaces: "1.3 s" never wraps between the number and its unit.
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)}\u00a0s`;
  if (s < 90) return `${Math.round(s)}\u00a0s`;
  const min = Math.round(s / 60);
  if (min < 90) return `${min}\u00a0min`;
  return `${Math.floor(min / 60)}\u00a0h ${min % 60}\u00a0min`;
}

export function count(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

// The page's own close code for a connection that stopped answering its ping.
export const NO_ANSWER = 4000;
// ... and for one it gave up on because the node could not let it join.
export const JOIN_REFUSED = 4001;

const CLOSE_CODES = {
  1000: "closed",
  1001: "node going away",
  1006: "connection dropped",
  1008: "too slow",
  1009: "frame too big",
  1011: "server error",
  1012: "server restart",
  [NO_ANSWER]: "no answer to ping",
  [JOIN_REFUSED]: "join refused",
};

export function closeCode(code) {
  const name = CLOSE_CODES[code];
  return name ? `code ${code}, ${name}` : `code ${code}`;
}
