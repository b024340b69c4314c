/**
 * Serial errors, classified by what an installer (and the reconnect loop) should do about them.
 *
 *  - unplugged   the device is gone (adapter pulled, PTY peer died): ENOENT, ENODEV, ENXIO, EIO, EBADF.
 *                Recoverable: reopen with backoff until it is back.
 *  - busy        another program holds the port (EBUSY, or the exclusive lock failed with EAGAIN).
 *  - permission  EACCES / EPERM: the gateway's user is not in the `dialout` group, or udev rules.
 *  - other       anything else (bad baud rate, driver error).
 *
 * serialport's native binding reports errors as plain messages ("Error: No such file or directory,
 * cannot open …", "Error Resource temporarily unavailable Cannot lock port", "bad file descriptor"),
 * and its DisconnectedError drops the errno code: so both the code and the text are read.
 */
import { isQhError } from "../../core/errors.js";

export type SerialErrorKind = "unplugged" | "busy" | "permission" | "other";

const TEXT_TO_CODE: ReadonlyArray<readonly [RegExp, string]> = [
  [/no such file or directory/i, "ENOENT"],
  [/no such device or address/i, "ENXIO"],
  [/no such device/i, "ENODEV"],
  [/input\/output error|i\/o error/i, "EIO"],
  [/bad file descriptor/i, "EBADF"],
  [/device or resource busy/i, "EBUSY"],
  [/cannot lock port|resource temporarily unavailable/i, "EBUSY"],
  [/permission denied/i, "EACCES"],
  [/operation not permitted/i, "EPERM"],
];

const CODE_TO_KIND: Readonly<Record<string, SerialErrorKind>> = {
  ENOENT: "unplugged",
  ENODEV: "unplugged",
  ENXIO: "unplugged",
  EIO: "unplugged",
  EBADF: "unplugged",
  EBUSY: "busy",
  EAGAIN: "busy",
  EACCES: "permission",
  EPERM: "permission",
};

/** The errno-style code of a serial error ("ENOENT", "EIO", …), from its `code` or its text. */
export function serialErrorCode(err: unknown): string | undefined {
  if (err === null || typeof err !== "object") return undefined;
  if (isQhError(err)) {
    const d = err.details as { errno?: unknown } | undefined;
    return typeof d?.errno === "string" ? d.errno : undefined;
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("E")) return code;
  const msg = (err as { message?: unknown }).message;
  if (typeof msg !== "string") return undefined;
  const m = /\b(E[A-Z]{2,10})\b/.exec(msg);
  if (m?.[1] && CODE_TO_KIND[m[1]] !== undefined) return m[1];
  for (const [re, c] of TEXT_TO_CODE) if (re.test(msg)) return c;
  return undefined;
}

export function classifySerialError(err: unknown): SerialErrorKind {
  const code = serialErrorCode(err);
  if (code !== undefined) return CODE_TO_KIND[code] ?? "other";
  // serialport marks a vanished port with `disconnected: true` even when the text says nothing.
  if (err !== null && typeof err === "object" && (err as { disconnected?: unknown }).disconnected === true) {
    return "unplugged";
  }
  return "other";
}
