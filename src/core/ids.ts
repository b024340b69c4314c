import { v7 } from "uuid";

/** Event and command ids: UUIDv7 (time-ordered, globally unique). */
export function newId(): string {
  return v7();
}
