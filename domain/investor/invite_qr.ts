/**
 * The invite link as a QR code: an SVG rendered on the server (npm `qrcode`), returned as a
 * `data:image/svg+xml` URL for an `<img>` (the page's CSP allows `data:` images; no script).
 * @module
 */
// @ts-types="npm:@types/qrcode@1.5.6"
import type QRCodeModule from "qrcode";

/** The QR code of `text` as an SVG document. */
export async function qrSvg(text: string): Promise<string> {
  // loaded on first use, not at start-up (few requests draw a QR code)
  const QRCode = (await import("qrcode")).default as typeof QRCodeModule;
  return await QRCode.toString(text, { type: "svg", errorCorrectionLevel: "M", margin: 2, width: 200 });
}

/** The QR code of `text` as a `data:` URL of its SVG. */
export async function qrDataUrl(text: string): Promise<string> {
  const svg = await qrSvg(text);
  const bytes = new TextEncoder().encode(svg);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}
