import { randomInt, randomUUID } from "node:crypto";
import type { Randomness } from "./generators.js";

/**
 * The runtime's {@link Randomness}: the operating system's CSPRNG. `randomInt` draws by
 * rejection sampling, so every value in range is equally likely (no modulo bias).
 */
export const cryptoRandomness: Randomness = {
  int: (maxExclusive) => randomInt(maxExclusive),
  uuid: () => randomUUID(),
};
