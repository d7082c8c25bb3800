import { cliCodes } from "./codes/cli.js";
import { controllerCodes } from "./codes/controller.js";
import type { ErrorSpec } from "./codes/define.js";
import { keysCodes } from "./codes/keys.js";
import { kubeCodes } from "./codes/kube.js";
import { providersCodes } from "./codes/providers.js";
import { scanCodes } from "./codes/scan.js";
import { sealedCodes } from "./codes/sealed.js";
import { serverCodes } from "./codes/server.js";
import { sopsCodes } from "./codes/sops.js";
import { webhookCodes } from "./codes/webhook.js";

/**
 * Every error code hush can raise, with its sops exit code and default remedy.
 * Each area keeps its entries in `codes/<area>.ts`; this is the single merged catalogue.
 */
export const catalogue = {
  ...cliCodes,
  ...sopsCodes,
  ...keysCodes,
  ...scanCodes,
  ...webhookCodes,
  ...controllerCodes,
  ...providersCodes,
  ...kubeCodes,
  ...serverCodes,
  ...sealedCodes,
} as const satisfies Record<string, ErrorSpec>;

/** A stable hush error code, e.g. `HUSH_ERR_SOPS_MAC_MISMATCH`. */
export type ErrorCode = keyof typeof catalogue;
