import { isIP } from 'node:net';

/** Whether an address or name (`127.0.0.2`, `[::1]`, `localhost`) stays on this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) !== 6) return false;
  if (bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^(?:0{1,4}:){0,5}:?(?:0{0,4}:)?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  return mapped !== null && (mapped[1] as string).startsWith('127.');
}

/**
 * Whether a `Host` header names this machine: a loopback address or `localhost`, with an
 * optional port. A rebound DNS name (`evil.example` resolving to 127.0.0.1) does not.
 */
export function isLoopbackHost(header: string): boolean {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i.exec(header);
  return match !== null && isLoopback(match[1] as string);
}
