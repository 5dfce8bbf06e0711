/**
 * A floor for the HTTP benches (the node-floor server of bench/lib/http-server.ts, measured
 * by bench/http.ts and bench/http-instructions.ts `parts`): the least work a resolver can
 * do for the bench's request (Host, X-Forwarded-For and X-Forwarded-Proto from a loopback
 * peer), to show how much of the 3% goal the bare minimum already takes. It is NOT a
 * resolver: it tells headers apart by length and a character or two, and ignores OWS, the
 * Connection header, repeated lines and every other family; it knows one trusted range
 * and one host. Never use it for anything but this measurement.
 */

let trustedPeer: string | undefined;
let knownHost: string | undefined;
const address = new Uint32Array(1);

/** A dotted quad without leading zeros, its value into `address`; false when not one. */
function quad(s: string): boolean {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d >= 0 && d <= 9) {
      if (digits === 0) {
        octet = d;
        digits = 1;
      } else {
        if (octet === 0 || digits === 3) return false;
        octet = octet * 10 + d;
        digits++;
      }
      continue;
    }
    if (d !== -2 || digits === 0 || octet > 255 || dots === 3) return false;
    value = value * 256 + octet;
    dots++;
    digits = 0;
  }
  if (dots !== 3 || digits === 0 || octet > 255) return false;
  address[0] = value * 256 + octet;
  return true;
}

/** The floor's answer: scheme, host and client address, or undefined. */
export function floorResolve(
  peer: string | undefined,
  raw: readonly string[],
): { scheme: string; host: string; clientIp: string } | undefined {
  let xff: string | undefined;
  let xfp: string | undefined;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const len = name.length;
    if (len === 4) {
      if ((name.charCodeAt(0) | 0x20) === 0x68) host = raw[i + 1];
    } else if (len === 15) {
      // X-Forwarded-For, not Accept-Encoding or Accept-Language.
      if ((name.charCodeAt(0) | 0x20) === 0x78 && (name.charCodeAt(12) | 0x20) === 0x66) {
        xff = raw[i + 1];
      }
    } else if (len === 17) {
      if ((name.charCodeAt(0) | 0x20) === 0x78) xfp = raw[i + 1];
    }
  }
  if (peer === undefined) return undefined;
  if (peer !== trustedPeer) {
    if (!peer.startsWith('127.')) return undefined;
    trustedPeer = peer;
  }
  if (xff === undefined || !quad(xff) || address[0]! >>> 24 === 127) return undefined;
  if (host !== knownHost) {
    if (host !== 'app.example.com') return undefined;
    knownHost = host;
  }
  return { scheme: xfp === 'https' ? 'https' : 'http', host: 'app.example.com', clientIp: xff };
}
