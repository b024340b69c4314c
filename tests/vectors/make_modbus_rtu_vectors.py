#!/usr/bin/env python3
"""Writes firmware-protocols/modbus-rtu/vectors.json: Modbus RTU test vectors made independently of
the gateway's TypeScript codec (CRC-16/MODBUS here is the bitwise algorithm, the codec's is a table;
register values are packed with Python's struct).

Checked before anything is written: the two frames PROTOCOLS.md section 3 gives
(01 03 00 00 00 01 84 0A; 11 03 00 6B 00 03 76 87) and the classic exception 01 83 02 C0 F1.

Run: python3 tests/vectors/make_modbus_rtu_vectors.py   (re-running gives the same file)
"""
import json
import os
import struct


def crc16(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def frame(*body):
    data = bytes(body)
    c = crc16(data)
    return data + bytes([c & 0xFF, c >> 8])


def hx(b):
    return " ".join(f"{x:02X}" for x in b)


def w(v):
    return [(v >> 8) & 0xFF, v & 0xFF]


def words_bytes(words):
    out = []
    for v in words:
        out += w(v)
    return out


assert hx(frame(0x01, 0x03, 0x00, 0x00, 0x00, 0x01)) == "01 03 00 00 00 01 84 0A"
assert hx(frame(0x11, 0x03, 0x00, 0x6B, 0x00, 0x03)) == "11 03 00 6B 00 03 76 87"
assert hx(frame(0x01, 0x83, 0x02)) == "01 83 02 C0 F1"


def s16(v):
    return v & 0xFFFF


def read_req(unit, fn, addr, n):
    return frame(unit, fn, *w(addr), *w(n))


def read_reply(unit, fn, words):
    return frame(unit, fn, 2 * len(words), *words_bytes(words))


def write1(unit, addr, value):
    return frame(unit, 0x06, *w(addr), *w(value))


def write_n(unit, addr, words):
    return frame(unit, 0x10, *w(addr), *w(len(words)), 2 * len(words), *words_bytes(words))


def write_n_reply(unit, addr, n):
    return frame(unit, 0x10, *w(addr), *w(n))


def exc(unit, fn, code):
    return frame(unit, fn | 0x80, code)


def msg_read(kind, unit, addr, n):
    return {"kind": kind, "unit": unit, "address": addr, "quantity": n}


vectors = []


def vec(name, note, role, chunks, expect, request=None, encode=False):
    v = {"name": name, "note": note, "decoder": {"role": role}}
    if request is not None:
        v["expectRequest"] = request
    v["chunks"] = [hx(c) for c in chunks]
    v["expect"] = expect
    if encode:
        v["encode"] = True
    vectors.append(v)


def ok(raw, msg):
    return {"ok": True, "raw": hx(raw), "msg": msg}


def bad(reason, raw):
    return {"ok": False, "reason": reason, "raw": hx(raw)}


# ── requests (what a server decodes) ──
R_H1 = read_req(1, 3, 0, 1)
vec("read-holding", "Read holding register 0 of unit 1 (PROTOCOLS.md section 3, checked).", "server", [R_H1],
    [ok(R_H1, msg_read("readHolding", 1, 0, 1))], encode=True)
R_H17 = read_req(0x11, 3, 0x6B, 3)
vec("read-holding-unit-17", "Read 3 holding registers from 0x6B of unit 17 (PROTOCOLS.md section 3, checked).", "server",
    [R_H17], [ok(R_H17, msg_read("readHolding", 17, 0x6B, 3))], encode=True)
R_I0 = read_req(1, 4, 0, 4)
vec("read-input-ch0", "Read input registers 0-3 (temperature, door, compressor, defrost) of channel 0, unit 1.",
    "server", [R_I0], [ok(R_I0, msg_read("readInput", 1, 0, 4))], encode=True)
R_I1 = read_req(1, 4, 16, 4)
vec("read-input-ch1", "The same for channel 1 (registers 16-19).", "server", [R_I1],
    [ok(R_I1, msg_read("readInput", 1, 16, 4))], encode=True)
R_SP1 = read_req(1, 3, 16, 1)
vec("read-setpoint-ch1", "Read the set-point of channel 1 (holding 16).", "server", [R_SP1],
    [ok(R_SP1, msg_read("readHolding", 1, 16, 1))], encode=True)
W_M20 = write1(1, 16, s16(-200))
vec("write-setpoint-minus-20", "Write -20.0 C (raw -200 = 0xFF38) to holding 16 with function 06: a negative set-point.",
    "server", [W_M20], [ok(W_M20, {"kind": "writeRegister", "unit": 1, "address": 16, "value": 0xFF38})], encode=True)
W_DEF = write1(1, 1, 1)
vec("write-defrost-ch0", "Start a defrost on channel 0: write 1 to holding 1.", "server", [W_DEF],
    [ok(W_DEF, {"kind": "writeRegister", "unit": 1, "address": 1, "value": 1})], encode=True)
W_N = write_n(1, 0, [s16(35)])
vec("write-registers-setpoint", "Write 3.5 C (raw 35) to holding 0 with function 16 (one register).", "server", [W_N],
    [ok(W_N, {"kind": "writeRegisters", "unit": 1, "address": 0, "values": [35]})], encode=True)
W_N32 = write_n(1, 0x20, [0xFFFE, 0x1DC0])
vec("write-registers-int32", "Write int32 -123456 high word first (FFFE 1DC0) to holding 0x20-0x21 with function 16.",
    "server", [W_N32], [ok(W_N32, {"kind": "writeRegisters", "unit": 1, "address": 0x20, "values": [0xFFFE, 0x1DC0]})],
    encode=True)
W_HOT = write1(1, 0, s16(500))
vec("write-setpoint-50", "Write +50.0 C (raw 500) to holding 0: the simulated controller refuses it (exception 03).",
    "server", [W_HOT], [ok(W_HOT, {"kind": "writeRegister", "unit": 1, "address": 0, "value": 500})], encode=True)
R_BAD = read_req(1, 3, 0x100, 1)
vec("read-unmapped", "Read holding 0x100, which the simulated controller does not have (exception 02).", "server",
    [R_BAD], [ok(R_BAD, msg_read("readHolding", 1, 0x100, 1))], encode=True)
R_U2 = read_req(2, 4, 0, 4)
vec("read-input-unit-2", "Read channel 0 of unit 2.", "server", [R_U2], [ok(R_U2, msg_read("readInput", 2, 0, 4))],
    encode=True)
bad_req = bytearray(R_I0)
bad_req[-2:] = b"\xff\xff"  # a CRC byte above 247 cannot start a frame: the whole frame is one checksum error
assert crc16(R_I0[:-2]) != 0xFFFF
vec("bad-crc-request", "A request whose CRC is FF FF (wrong): a server ignores it.", "server", [bytes(bad_req)],
    [bad("checksum", bytes(bad_req))])
noise = bytes([0xFF, 0xFE, 0xF8])
vec("noise-before-request", "Line noise (bytes no frame starts with) before a request.", "server", [noise + R_I0],
    [bad("garbage", noise), ok(R_I0, msg_read("readInput", 1, 0, 4))])

# ── replies (what the master decodes, framed by the request it sent) ──
A_M18 = read_reply(1, 3, [s16(-180)])
vec("reply-setpoint-minus-18", "Set-point -18.0 C: raw 0xFF4C, a negative int16 (read as unsigned it is 65356).",
    "master", [A_M18], [ok(A_M18, {"kind": "readHoldingReply", "unit": 1, "values": [0xFF4C]})],
    request=msg_read("readHolding", 1, 0, 1), encode=True)
A_CH1 = read_reply(1, 4, [s16(-180), 0, 0, 0])
vec("reply-input-ch1-frozen", "Channel 1 at -18.0 C, door shut, compressor off, no defrost.", "master", [A_CH1],
    [ok(A_CH1, {"kind": "readInputReply", "unit": 1, "values": [0xFF4C, 0, 0, 0]})],
    request=msg_read("readInput", 1, 16, 4), encode=True)
A_CH0 = read_reply(1, 4, [40, 0, 0, 0])
vec("reply-input-ch0-chilled", "Channel 0 at 4.0 C (raw 40), door shut, compressor off, no defrost.", "master",
    [A_CH0], [ok(A_CH0, {"kind": "readInputReply", "unit": 1, "values": [40, 0, 0, 0]})],
    request=msg_read("readInput", 1, 0, 4), encode=True)
A_WARM = read_reply(1, 4, [305, 1, 0, 0])
vec("reply-input-30-5-door-open", "30.5 C (raw 305, PROTOCOLS.md section 3), door open.", "master", [A_WARM],
    [ok(A_WARM, {"kind": "readInputReply", "unit": 1, "values": [305, 1, 0, 0]})],
    request=msg_read("readInput", 1, 0, 4), encode=True)
A_FAULT = read_reply(1, 4, [32767, 0, 0, 0])
vec("reply-input-probe-fault", "The probe reports 32767, the usual sensor-fault value (PROTOCOLS.md section 9).",
    "master", [A_FAULT], [ok(A_FAULT, {"kind": "readInputReply", "unit": 1, "values": [32767, 0, 0, 0]})],
    request=msg_read("readInput", 1, 0, 4), encode=True)
A_SP20 = read_reply(1, 3, [s16(-200)])
vec("reply-setpoint-minus-20", "The set-point read back: -20.0 C (0xFF38).", "master", [A_SP20],
    [ok(A_SP20, {"kind": "readHoldingReply", "unit": 1, "values": [0xFF38]})],
    request=msg_read("readHolding", 1, 16, 1), encode=True)
A_H17 = read_reply(0x11, 3, [0xAE41, 0x5652, 0x4340])
vec("reply-holding-unit-17", "Three registers from unit 17 (the reply of the public 11 03 00 6B 00 03 example).",
    "master", [A_H17], [ok(A_H17, {"kind": "readHoldingReply", "unit": 17, "values": [0xAE41, 0x5652, 0x4340]})],
    request=msg_read("readHolding", 17, 0x6B, 3), encode=True)
vec("reply-without-request", "No request known: a read reply is framed by its byte count.", "master", [A_CH1],
    [ok(A_CH1, {"kind": "readInputReply", "unit": 1, "values": [0xFF4C, 0, 0, 0]})])
vec("reply-write-setpoint", "06 is answered by its echo.", "master", [W_M20],
    [ok(W_M20, {"kind": "writeRegisterReply", "unit": 1, "address": 16, "value": 0xFF38})],
    request={"kind": "writeRegister", "unit": 1, "address": 16, "value": 0xFF38}, encode=True)
vec("reply-write-defrost", "The defrost command's echo.", "master", [W_DEF],
    [ok(W_DEF, {"kind": "writeRegisterReply", "unit": 1, "address": 1, "value": 1})],
    request={"kind": "writeRegister", "unit": 1, "address": 1, "value": 1}, encode=True)
A_WN = write_n_reply(1, 0, 1)
vec("reply-write-registers", "16 is answered by address and quantity.", "master", [A_WN],
    [ok(A_WN, {"kind": "writeRegistersReply", "unit": 1, "address": 0, "quantity": 1})],
    request={"kind": "writeRegisters", "unit": 1, "address": 0, "values": [35]}, encode=True)
E_02 = exc(1, 3, 2)
vec("exception-illegal-address", "Exception 02 (illegal data address) to a read of holding registers: 01 83 02 C0 F1.",
    "master", [E_02], [ok(E_02, {"kind": "exception", "unit": 1, "function": 3, "code": 2})],
    request=msg_read("readHolding", 1, 0x100, 1), encode=True)
E_03 = exc(1, 6, 3)
vec("exception-illegal-value", "Exception 03 (illegal data value) to a set-point write out of the controller's range.",
    "master", [E_03], [ok(E_03, {"kind": "exception", "unit": 1, "function": 6, "code": 3})],
    request={"kind": "writeRegister", "unit": 1, "address": 0, "value": 500}, encode=True)
E_04 = exc(1, 4, 4)
vec("exception-device-failure", "Exception 04 (server device failure) to a read of input registers.", "master", [E_04],
    [ok(E_04, {"kind": "exception", "unit": 1, "function": 4, "code": 4})],
    request=msg_read("readInput", 1, 0, 4), encode=True)
bad_rep = bytearray(A_CH1)
bad_rep[3] ^= 0x01
vec("bad-crc-reply", "A reply with one bit flipped in the data: the CRC catches it.", "master", [bytes(bad_rep)],
    [bad("checksum", bytes(bad_rep))], request=msg_read("readInput", 1, 16, 4))
vec("bad-crc-then-reply", "A damaged reply, then the good one (the retry's answer).", "master",
    [bytes(bad_rep), A_CH1],
    [bad("checksum", bytes(bad_rep)), ok(A_CH1, {"kind": "readInputReply", "unit": 1, "values": [0xFF4C, 0, 0, 0]})],
    request=msg_read("readInput", 1, 16, 4))
vec("truncated", "Only 4 of the 7 bytes arrive: nothing is decoded; the bus master's timeout resets the decoder.",
    "master", [A_M18[:4]], [], request=msg_read("readHolding", 1, 0, 1))
vec("truncated-then-reply", "A truncated reply, then a complete one: the stub is garbage, the reply is found.",
    "master", [A_M18[:4], A_M18],
    [bad("garbage", A_M18[:4]), ok(A_M18, {"kind": "readHoldingReply", "unit": 1, "values": [0xFF4C]})],
    request=msg_read("readHolding", 1, 0, 1))
vec("noise-before-reply", "Noise after the line turns around, then the reply.", "master", [bytes([0x00, 0xFF, 0x13, 0x37]) + A_CH1],
    [bad("garbage", bytes([0x00, 0xFF, 0x13, 0x37])),
     ok(A_CH1, {"kind": "readInputReply", "unit": 1, "values": [0xFF4C, 0, 0, 0]})],
    request=msg_read("readInput", 1, 16, 4))
vec("noise-with-unit-byte-before-reply", "Noise that starts like the awaited reply (01 04) but is not one.", "master",
    [bytes([0x01, 0x04, 0x01]) + A_CH1],
    [bad("garbage", bytes([0x01, 0x04, 0x01])),
     ok(A_CH1, {"kind": "readInputReply", "unit": 1, "values": [0xFF4C, 0, 0, 0]})],
    request=msg_read("readInput", 1, 16, 4))
LATE = read_reply(2, 4, [40, 0, 0, 0])
vec("late-reply-of-another-unit", "Unit 2's late reply arrives while unit 1's is awaited: not taken for it.", "master",
    [LATE + A_CH1],
    [bad("garbage", LATE), ok(A_CH1, {"kind": "readInputReply", "unit": 1, "values": [0xFF4C, 0, 0, 0]})],
    request=msg_read("readInput", 1, 16, 4))
WRONG_N = read_reply(1, 4, [40, 0])
vec("wrong-byte-count", "A reply with 2 registers to a request for 4: not the awaited reply.", "master", [WRONG_N],
    [bad("garbage", WRONG_N)], request=msg_read("readInput", 1, 0, 4))
vec("split-across-chunks", "A reply arriving in three chunks (USB adapters deliver bytes in bursts).", "master",
    [A_CH1[:2], A_CH1[2:9], A_CH1[9:]],
    [ok(A_CH1, {"kind": "readInputReply", "unit": 1, "values": [0xFF4C, 0, 0, 0]})],
    request=msg_read("readInput", 1, 16, 4))

# ── register values by the register map ──
values = []


def val(name, note, spec, words, expect):
    values.append({"name": name, "note": note, "spec": spec, "words": [f"{x:04X}" for x in words], "expect": expect})


T = {"register": 0, "function": 4, "type": "int16", "scale": 0.1, "unit": "°C",
     "sentinels": {"values": [32767], "below": -32000}}
val("int16-minus-18", "raw 0xFF4C as int16 at scale 0.1: -18.0 C", T, [0xFF4C],
    {"value": -18, "raw": -180, "fault": False})
val("int16-30-5", "raw 305: 30.5 C (PROTOCOLS.md section 3)", T, [305], {"value": 30.5, "raw": 305, "fault": False})
val("int16-minus-0-1", "raw 0xFFFF: -0.1 C", T, [0xFFFF], {"value": -0.1, "raw": -1, "fault": False})
val("int16-min-ok", "raw -32000 is the lowest value that is not a fault (below -32000 is)", T, [s16(-32000)],
    {"value": -3200, "raw": -32000, "fault": False})
val("uint16-misread", "the field bug: the same 0xFF4C read as uint16 gives 6535.6 (Home Assistant #10158)",
    {**T, "type": "uint16", "sentinels": {}}, [0xFF4C], {"value": 6535.6, "raw": 65356, "fault": False})
val("sentinel-32767", "32767 means probe fault", T, [0x7FFF], {"value": None, "raw": 32767, "fault": True})
val("sentinel-below", "-32001 (0x82FF) is below -32000: a controller error code", T, [s16(-32001)],
    {"value": None, "raw": -32001, "fault": True})
val("sentinel-above", "a bound above: raw 900 (90.0 C) is implausible for this map", {**T, "sentinels": {"above": 800}},
    [900], {"value": None, "raw": 900, "fault": True})
I32 = {"register": 0, "function": 3, "type": "int32", "scale": 0.001, "unit": "°C"}
hi, lo = struct.unpack(">HH", struct.pack(">i", -123456))
val("int32-high-first", "int32 -123456 high word first (ABCD) at scale 0.001: -123.456", {**I32, "wordOrder": "high-first"},
    [hi, lo], {"value": -123.456, "raw": -123456, "fault": False})
val("int32-low-first", "the same value low word first (CDAB)", {**I32, "wordOrder": "low-first"}, [lo, hi],
    {"value": -123.456, "raw": -123456, "fault": False})
val("uint32-high-first", "uint32 0x0001E240 = 123456 (compressor run hours, say)",
    {"register": 0, "function": 4, "type": "uint32", "wordOrder": "high-first"}, [0x0001, 0xE240],
    {"value": 123456, "raw": 123456, "fault": False})
F = {"register": 0, "function": 4, "type": "float32", "unit": "°C", "sentinels": {"below": -100}}
hi, lo = struct.unpack(">HH", struct.pack(">f", -18.5))
val("float32-high-first", "float32 -18.5 (C194 0000) high word first", {**F, "wordOrder": "high-first"}, [hi, lo],
    {"value": -18.5, "raw": -18.5, "fault": False})
val("float32-low-first", "float32 -18.5 low word first (0000 C194)", {**F, "wordOrder": "low-first"}, [lo, hi],
    {"value": -18.5, "raw": -18.5, "fault": False})
hi, lo = struct.unpack(">HH", struct.pack(">f", 4.25))
val("float32-4-25-low-first", "float32 4.25 low word first", {**F, "wordOrder": "low-first"}, [lo, hi],
    {"value": 4.25, "raw": 4.25, "fault": False})
val("float32-nan", "a float NaN (7FC0 0000) is always a fault", {**F, "wordOrder": "high-first"}, [0x7FC0, 0x0000],
    {"value": None, "raw": None, "fault": True})
val("float32-below", "float -200.0 is below the model's -100 bound", {**F, "wordOrder": "high-first"},
    list(struct.unpack(">HH", struct.pack(">f", -200.0))), {"value": None, "raw": -200, "fault": True})
val("status-bit", "a door flag in bit 3 of a status word 0x0009", {"register": 5, "function": 4, "type": "uint16", "bit": 3},
    [0x0009], {"value": 1, "raw": 9, "fault": False})
val("status-bit-clear", "bit 1 of 0x0009 is clear", {"register": 5, "function": 4, "type": "uint16", "bit": 1},
    [0x0009], {"value": 0, "raw": 9, "fault": False})

# ── the simulator's exchanges (generic-cold-controller map; zones start at their set-points) ──
SIM = {"units": [1], "zones": [{"setpointC": 4, "temperatureC": 4}, {"setpointC": -18, "temperatureC": -18}]}


def h(b):
    return "@" + hx(b)


exchanges = [
    {"name": "read-frozen-zone", "sim": SIM, "steps": [{"send": "read-input-ch1", "reply": ["reply-input-ch1-frozen"]}]},
    {"name": "read-chilled-zone", "sim": SIM, "steps": [{"send": "read-input-ch0", "reply": ["reply-input-ch0-chilled"]}]},
    {"name": "negative-setpoint-written-and-read-back", "sim": SIM, "steps": [
        {"send": "write-setpoint-minus-20", "reply": ["reply-write-setpoint"]},
        {"send": "read-setpoint-ch1", "reply": ["reply-setpoint-minus-20"]}]},
    {"name": "setpoint-with-function-16", "sim": SIM, "steps": [
        {"send": "write-registers-setpoint", "reply": ["reply-write-registers"]},
        {"send": "@" + hx(read_req(1, 3, 0, 1)), "reply": [h(read_reply(1, 3, [35]))]}]},
    {"name": "setpoint-out-of-range-refused", "sim": SIM, "steps": [
        {"send": "write-setpoint-50", "reply": ["exception-illegal-value"]}]},
    {"name": "unmapped-register-refused", "sim": SIM, "steps": [
        {"send": "read-unmapped", "reply": ["exception-illegal-address"]}]},
    {"name": "defrost-on-command", "sim": SIM, "steps": [
        {"send": "write-defrost-ch0", "reply": ["reply-write-defrost"]},
        {"send": "read-input-ch0", "reply": [h(read_reply(1, 4, [40, 0, 0, 1]))]}]},
    {"name": "probe-fault-reads-32767", "sim": SIM, "steps": [
        {"do": {"op": "probeFault", "unit": 1, "channel": 0}, "reply": []},
        {"send": "read-input-ch0", "reply": ["reply-input-probe-fault"]}]},
    {"name": "door-open-reads-1", "sim": SIM, "steps": [
        {"do": {"op": "doorOpen", "unit": 1, "channel": 1}, "reply": []},
        {"send": "read-input-ch1", "reply": [h(read_reply(1, 4, [s16(-180), 1, 0, 0]))]}]},
    {"name": "dead-controller-is-silent", "sim": SIM, "steps": [
        {"do": {"op": "kill", "unit": 1}, "reply": []},
        {"send": "read-input-ch0", "reply": []}]},
    {"name": "other-unit-is-silent", "note": "Unit 2 is not on this line.", "sim": SIM, "steps": [
        {"send": "read-input-unit-2", "reply": []}]},
    {"name": "bad-crc-ignored-then-answered", "sim": SIM, "steps": [
        {"send": "bad-crc-request", "reply": []},
        {"send": "read-input-ch0", "reply": ["reply-input-ch0-chilled"]}]},
    {"name": "noise-before-request", "sim": SIM, "steps": [
        {"send": "noise-before-request", "reply": ["reply-input-ch0-chilled"]}]},
    {"name": "two-controllers", "sim": {**SIM, "units": [1, 2]}, "steps": [
        {"send": "read-input-unit-2", "reply": [h(read_reply(2, 4, [40, 0, 0, 0]))]}]},
]

out = {"protocol": "modbus-rtu", "format": 1, "spec": "SPEC.md", "vectors": vectors, "values": values,
       "exchanges": exchanges}
path = os.path.join(os.path.dirname(__file__), "..", "..", "firmware-protocols", "modbus-rtu", "vectors.json")
with open(path, "w", encoding="utf-8") as f:
    json.dump(out, f, indent=2, ensure_ascii=False)
    f.write("\n")
print(f"wrote {len(vectors)} vectors, {len(values)} values, {len(exchanges)} exchanges to {os.path.normpath(path)}")
