/**
 * Modbus RTU messages as the codec sees them: register values are raw 16-bit words (0..65535);
 * what they mean (signedness, 32-bit pairs, scale) is the register map's business (registers.ts).
 * Addresses are PDU addresses, 0-based (register 40001 in vendor manuals is address 0 of fn 03).
 */

/** Function codes this codec speaks (PROTOCOLS.md §3). */
export const FN = {
  READ_HOLDING: 0x03,
  READ_INPUT: 0x04,
  WRITE_REGISTER: 0x06,
  WRITE_REGISTERS: 0x10,
} as const;

/** Exception codes (Modbus Application Protocol V1.1b3, §7), by name for logs and errors. */
export const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  1: "illegal function",
  2: "illegal data address",
  3: "illegal data value",
  4: "server device failure",
  5: "acknowledge",
  6: "server device busy",
  8: "memory parity error",
  10: "gateway path unavailable",
  11: "gateway target failed to respond",
};

export type ReadFunction = typeof FN.READ_HOLDING | typeof FN.READ_INPUT;

export interface ReadHolding {
  kind: "readHolding";
  unit: number;
  address: number;
  quantity: number;
}
export interface ReadInput {
  kind: "readInput";
  unit: number;
  address: number;
  quantity: number;
}
/** 06: write one register. The reply echoes the request. */
export interface WriteRegister {
  kind: "writeRegister";
  unit: number;
  address: number;
  value: number;
}
/** 16 (0x10): write consecutive registers. */
export interface WriteRegisters {
  kind: "writeRegisters";
  unit: number;
  address: number;
  values: number[];
}

export interface ReadHoldingReply {
  kind: "readHoldingReply";
  unit: number;
  values: number[];
}
export interface ReadInputReply {
  kind: "readInputReply";
  unit: number;
  values: number[];
}
export interface WriteRegisterReply {
  kind: "writeRegisterReply";
  unit: number;
  address: number;
  value: number;
}
export interface WriteRegistersReply {
  kind: "writeRegistersReply";
  unit: number;
  address: number;
  quantity: number;
}
/** The server refused: function | 0x80, then an exception code. */
export interface ExceptionReply {
  kind: "exception";
  unit: number;
  /** the function of the request (without the 0x80 bit) */
  function: number;
  code: number;
}

export type ModbusRequest = ReadHolding | ReadInput | WriteRegister | WriteRegisters;
export type ModbusReply =
  | ReadHoldingReply
  | ReadInputReply
  | WriteRegisterReply
  | WriteRegistersReply
  | ExceptionReply;
export type ModbusMessage = ModbusRequest | ModbusReply;

/** Most registers one read may ask for (125: the reply's byte count must fit in 250). */
export const MAX_READ = 125;
/** Most registers one 16 may write (123). */
export const MAX_WRITE = 123;
