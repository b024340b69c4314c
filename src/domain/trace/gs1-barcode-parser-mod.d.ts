/** Types for gs1-barcode-parser-mod (the package ships none). Only what src/domain/trace/gs1.ts uses. */
declare module "gs1-barcode-parser-mod" {
  export interface ParsedElement {
    ai: string;
    dataTitle: string;
    data: unknown;
    unit: string;
    isoDate: string;
    raw: string;
  }
  export interface ParsedBarcode {
    codeName: string;
    parsedCodeItems: ParsedElement[];
  }
  /** Throws a string (the reason) when the text is not a GS1 element string. */
  export function parseBarcode(barcode: string): ParsedBarcode;
}
