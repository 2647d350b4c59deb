import { fileURLToPath } from 'node:url';

/** Absolute path of the default tariff JSON (copied beside the build output as a Nest asset). */
export const DEFAULT_TARIFF_FILE: string = fileURLToPath(new URL('./default-tariff.json', import.meta.url));
