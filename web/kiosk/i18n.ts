/** The kiosk's message keys (messages.zh.json, the same in messages.en.json). */
import { useI18n } from "../shared/i18n.js";
import type zh from "./messages.zh.json";

export type Key = keyof typeof zh;
export const useT = () => useI18n<Key>();
