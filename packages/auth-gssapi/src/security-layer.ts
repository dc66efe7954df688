/**
 * The RFC 4752 §3.1 security-layer negotiation after the Kerberos exchange. Only "no security layer" is offered:
 * integrity and privacy layers would need SASL framing on the stream, and TLS covers that need.
 */

/** Bit mask for "no security layer". */
export const NO_SECURITY_LAYER = 0x01;

/** The server's offer: layer mask 0x01 and maximum message size 0 (which it must be when no layer is offered). */
export const LAYER_OFFER: Uint8Array = Uint8Array.of(NO_SECURITY_LAYER, 0, 0, 0);

export type LayerChoice =
  | { readonly ok: true; readonly authzid: string }
  | { readonly ok: false; readonly problem: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Checks the client's unwrapped answer: [layer][max size, 3 octets][authzid UTF-8]. */
export function parseLayerChoice(data: Uint8Array): LayerChoice {
  if (data.length < 4)
    return { ok: false, problem: `security-layer answer has ${data.length} octets, at least 4 needed` };
  if (data[0] !== NO_SECURITY_LAYER) {
    return {
      ok: false,
      problem: `client chose security layer 0x${data[0]?.toString(16)}, only 0x01 (none) was offered`,
    };
  }
  const maxSize = ((data[1] ?? 0) << 16) | ((data[2] ?? 0) << 8) | (data[3] ?? 0);
  if (maxSize !== 0) return { ok: false, problem: `client announced maximum size ${maxSize} without a security layer` };
  let authzid: string;
  try {
    authzid = utf8.decode(data.subarray(4));
  } catch {
    return { ok: false, problem: 'authorization identity is not valid UTF-8' };
  }
  if (authzid.includes('\0')) return { ok: false, problem: 'authorization identity contains NUL' };
  return { ok: true, authzid };
}
