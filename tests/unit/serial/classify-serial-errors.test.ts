import { describe, expect, it } from "vitest";
import { QhError } from "../../../src/core/errors.js";
import { classifySerialError, serialErrorCode } from "../../../src/southbound/serial/classify.js";

const errno = (code: string, message = `${code}: something`) => Object.assign(new Error(message), { code });

describe("serial error classification", () => {
  it.each([
    [errno("ENOENT"), "unplugged", "ENOENT"],
    [errno("EIO"), "unplugged", "EIO"],
    [errno("EBADF"), "unplugged", "EBADF"],
    [errno("ENXIO"), "unplugged", "ENXIO"],
    [errno("ENODEV"), "unplugged", "ENODEV"],
    [errno("EBUSY"), "busy", "EBUSY"],
    [errno("EACCES"), "permission", "EACCES"],
    [errno("EPERM"), "permission", "EPERM"],
    [errno("ENOTTY"), "other", "ENOTTY"],
  ])("%s → %s", (err, kind, code) => {
    expect(classifySerialError(err)).toBe(kind);
    expect(serialErrorCode(err)).toBe(code);
  });

  it.each([
    // Texts of @serialport/bindings-cpp 13 on Linux, which carry no code.
    ["Error: No such file or directory, cannot open /dev/ttyUSB0", "unplugged", "ENOENT"],
    ["Error: Permission denied, cannot open /dev/ttyUSB0", "permission", "EACCES"],
    ["Error Resource temporarily unavailable Cannot lock port", "busy", "EBUSY"],
    ["Error: Device or resource busy, cannot open /dev/ttyAMA0", "busy", "EBUSY"],
    ["bad file descriptor", "unplugged", "EBADF"],
    ["EIO: i/o error, read", "unplugged", "EIO"],
    ["Error: No such device or address, cannot open /dev/ttyACM0", "unplugged", "ENXIO"],
    ["Error: Inappropriate ioctl for device, cannot open /tmp/file", "other", undefined],
  ])("%s → %s", (message, kind, code) => {
    expect(classifySerialError(new Error(message))).toBe(kind);
    expect(serialErrorCode(new Error(message))).toBe(code);
  });

  it("reads the errno of a QH_SERIAL_OPEN error from its details", () => {
    const err = new QhError("QH_SERIAL_OPEN", "cannot open", { path: "/dev/x", errno: "EACCES" });
    expect(classifySerialError(err)).toBe("permission");
  });

  it("takes serialport's DisconnectedError (no code, no known text) as unplugged", () => {
    expect(classifySerialError(Object.assign(new Error("gone"), { disconnected: true }))).toBe("unplugged");
  });

  it("anything else is other", () => {
    expect(classifySerialError(new Error("baud rate not supported"))).toBe("other");
    expect(classifySerialError("a string")).toBe("other");
    expect(classifySerialError(undefined)).toBe("other");
  });
});
