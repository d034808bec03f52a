/**
 * Decoder for island props encoded by `framework/serialize.ts` (runs in the browser and in tests).
 * @module
 */
import { type Signal, signal } from "@preact/signals";

const TAG = "$$f";

/** Decodes a value produced by `serializeProps`; `signals` keeps signal identity across islands. */
export function revive(value: unknown, signals: Map<number, Signal> = new Map()): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => revive(v, signals));
  const obj = value as Record<string, unknown>;
  const tag = obj[TAG];
  if (typeof tag === "string") {
    switch (tag) {
      case "U":
        return undefined;
      case "N":
        return obj.v === "-0" ? -0 : Number(obj.v);
      case "B":
        return BigInt(obj.v as string);
      case "D":
        return new Date(obj.v === null ? NaN : obj.v as string);
      case "S": {
        const s = signal(revive(obj.v, signals));
        signals.set(obj.id as number, s);
        return s;
      }
      case "R":
        return signals.get(obj.id as number);
      case "O":
        return reviveObject(obj.v as Record<string, unknown>, signals);
    }
  }
  return reviveObject(obj, signals);
}

function reviveObject(obj: Record<string, unknown>, signals: Map<number, Signal>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const v = revive(obj[key], signals);
    if (key === "__proto__") Object.defineProperty(out, key, { value: v, enumerable: true, writable: true });
    else out[key] = v;
  }
  return out;
}
