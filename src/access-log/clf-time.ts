const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function format(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${pad2(date.getDate())}/${MONTHS[date.getMonth()]}/${date.getFullYear()}:${pad2(
    date.getHours(),
  )}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())} ${sign}${pad2(
    Math.floor(abs / 60),
  )}${pad2(abs % 60)}`;
}

// Requests in the same second share one string: formatting happens once per second.
let cachedSecond = Number.NaN;
let cachedText = '';

/** Common Log Format time in local time, `dd/MMM/yyyy:HH:mm:ss +hhmm`. */
export function clfTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== cachedSecond) {
    cachedText = format(new Date(second * 1000));
    cachedSecond = second;
  }
  return cachedText;
}
