import { HushError } from "@hush/errors";
import { randomBytes } from "node:crypto";
import { defaultLimits, goBytes, goString, render, secretData, TemplateError, type Limits, type Usage } from "@hush/gotemplate";
import type { ExternalSecret, ExternalSecretTemplate } from "@hush/kube";
import { parseAllDocuments } from "yaml";

/**
 * `spec.target.template` as External Secrets Operator's v2 engine renders it, on
 * {@link render} from `@hush/gotemplate` (Go text/template + Sprig + ESO's helpers,
 * `missingkey=error`). This module is pure: `templateFrom` ConfigMaps and Secrets are read by
 * the caller ({@link templateSourceRefs}) and handed in as {@link TemplateSources}.
 */

/** One `templateFrom` source in the ExternalSecret's own namespace. */
export interface TemplateSourceRef {
  readonly kind: "ConfigMap" | "Secret";
  readonly name: string;
}

/**
 * The `templateFrom` sources, read from the ExternalSecret's namespace: a ConfigMap's `data`
 * (text) and a Secret's `data` (bytes). A source absent from the map does not exist.
 */
export interface TemplateSources {
  readonly configMaps: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly secrets: ReadonlyMap<string, Readonly<Record<string, Uint8Array>>>;
}

export const noTemplateSources: TemplateSources = { configMaps: new Map(), secrets: new Map() };

/** The ConfigMaps and Secrets the ExternalSecret's `templateFrom` names, each once. */
export function templateSourceRefs(es: ExternalSecret): TemplateSourceRef[] {
  const out = new Map<string, TemplateSourceRef>();
  for (const tf of es.spec.target?.template?.templateFrom ?? []) {
    if (tf.configMap?.name) out.set(`ConfigMap/${tf.configMap.name}`, { kind: "ConfigMap", name: tf.configMap.name });
    if (tf.secret?.name) out.set(`Secret/${tf.secret.name}`, { kind: "Secret", name: tf.secret.name });
  }
  return [...out.values()];
}

/**
 * What all templates of one ExternalSecret may spend together: evaluation steps, bytes
 * allocated by function results, and bytes of output. Each render gets gotemplate's per-render
 * limits capped by what is left, and is charged what it spent (also when it fails), so a
 * hostile template fails its own ExternalSecret with a clear error and nothing else.
 */
export class TemplateBudget {
  steps: number;
  allocatedBytes: number;
  outputBytes: number;
  constructor(limits: { readonly steps?: number; readonly allocatedBytes?: number; readonly outputBytes?: number } = {}) {
    this.steps = limits.steps ?? 2 * defaultLimits.maxSteps;
    this.allocatedBytes = limits.allocatedBytes ?? defaultLimits.maxAllocatedBytes;
    this.outputBytes = limits.outputBytes ?? 4 * defaultLimits.maxOutputBytes;
  }

  /** The limits of the next render: gotemplate's defaults, never more than what is left. */
  limits(): Partial<Limits> {
    return {
      maxSteps: Math.max(0, Math.min(defaultLimits.maxSteps, this.steps)),
      maxAllocatedBytes: Math.max(0, Math.min(defaultLimits.maxAllocatedBytes, this.allocatedBytes)),
      maxOutputBytes: Math.max(0, Math.min(defaultLimits.maxOutputBytes, this.outputBytes)),
    };
  }

  charge(u: Usage): void {
    this.steps -= u.steps;
    this.allocatedBytes -= u.allocatedBytes;
    this.outputBytes -= u.outputBytes;
  }
}

/** The clock and random source Sprig's date, random and crypto functions use. */
export interface TemplateEnv {
  readonly clock: () => Date;
  readonly random: (n: number) => Uint8Array;
}

/** The controller's edge: the system clock and the CSPRNG, as ESO's templates see them. */
export const systemTemplateEnv: TemplateEnv = { clock: () => new Date(), random: (n) => randomBytes(n) };

/** Largest rendered value accepted, as one Secret can hold no more. */
export const maxTemplateOutput = defaultLimits.maxOutputBytes;
/** Largest template source accepted. */
export const maxTemplateSource = defaultLimits.maxSourceBytes;

/** Replaces every data value (of a useful length) found in `message`: errors never echo secrets. */
function redact(message: string, data: Readonly<Record<string, string>>): string {
  let out = message;
  for (const v of Object.values(data)) {
    if (v.length >= 3 && v.length <= out.length && out.includes(v)) out = out.split(v).join("[redacted]");
  }
  return out;
}

/**
 * Renders one template on ESO's data map (each fetched key → its value as a string), charging
 * `budget`. Failures are `HUSH_ERR_CONTROLLER_TEMPLATE` naming `where`; a bound exceeded says
 * "exceeds"; no message carries a data value.
 */
export function renderTemplate(source: string, data: Readonly<Record<string, string>>, where: string, budget: TemplateBudget = new TemplateBudget(), name = "template", env: TemplateEnv = systemTemplateEnv): string {
  const usage: Usage = { steps: 0, allocatedBytes: 0, outputBytes: 0 };
  try {
    return render(name, source, secretData(data), { limits: budget.limits(), usage, clock: env.clock, random: env.random });
  } catch (e) {
    if (e instanceof TemplateError) {
      const what = redact(e.message, data);
      const message = e.kind === "limit" ? `${where}: the template exceeds the bounds of this ExternalSecret's templates (${what})` : `${where}: ${what}`;
      throw new HushError("HUSH_ERR_CONTROLLER_TEMPLATE", message);
    }
    throw e;
  } finally {
    budget.charge(usage);
  }
}

/**
 * Parses a `KeysAndValues` result as ESO does (YAML into Go's `map[string]string`): a map of
 * scalars; strings as they are, null as ""; numbers, booleans, lists and maps are refused.
 */
function parseKeysAndValues(text: string, where: string): Record<string, string> {
  const fail = (why: string): never => {
    throw new HushError("HUSH_ERR_CONTROLLER_TEMPLATE", `${where}: could not unmarshal template to a map of strings: ${why}`);
  };
  const docs = parseAllDocuments(text, { version: "1.1" });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc) return {};
  if (doc.errors.length > 0) fail("the rendered text is not YAML");
  const v: unknown = doc.toJS({ maxAliasCount: 100 });
  if (v === null || v === undefined) return {};
  if (typeof v !== "object" || Array.isArray(v) || v instanceof Map) fail("the rendered YAML is not a map");
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === null) out[k] = "";
    else if (typeof x === "string") out[k] = x;
    else fail(`the value of ${JSON.stringify(k.slice(0, 253))} is not a string`);
  }
  return out;
}

/** What the templates produce: Secret data (base64), labels, annotations and type. */
export interface RenderedSecret {
  data: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  type: string | undefined;
}

type Target = "Data" | "Annotations" | "Labels";

/**
 * Applies `target.template` to the fetched data, in ESO's order and precedence:
 * fetched keys (only with `mergePolicy: Merge`, or when the template has neither `data` nor
 * `templateFrom`), then each `templateFrom` entry in order, then `template.data`, then
 * `template.metadata.labels` and `.annotations` (templates themselves). Labels and annotations
 * start from the template's metadata as written. Without a template, the fetched data is
 * returned as is and the ExternalSecret's labels and annotations are copied (the caller
 * filters control annotations). Pure; every template shares one {@link TemplateBudget}.
 */
export function renderSecret(
  es: ExternalSecret,
  fetched: Readonly<Record<string, Uint8Array>>,
  sources: TemplateSources = noTemplateSources,
  budget: TemplateBudget = new TemplateBudget(),
  env: TemplateEnv = systemTemplateEnv,
): RenderedSecret {
  const b64 = (v: Uint8Array) => Buffer.from(v).toString("base64");
  const tpl: ExternalSecretTemplate | undefined = es.spec.target?.template;
  const data: Record<string, string> = {};
  if (!tpl) {
    for (const [k, v] of Object.entries(fetched)) data[k] = b64(v);
    return { data, labels: { ...(es.metadata.labels ?? {}) }, annotations: { ...(es.metadata.annotations ?? {}) }, type: undefined };
  }
  const context: Record<string, string> = {};
  // Go strings are bytes: binary values (a keystore) reach templates unchanged (goString).
  for (const [k, v] of Object.entries(fetched)) context[k] = goString(v);
  const labels: Record<string, string> = { ...(tpl.metadata?.labels ?? {}) };
  const annotations: Record<string, string> = { ...(tpl.metadata?.annotations ?? {}) };

  const templateFrom = tpl.templateFrom ?? [];
  const noTemplate = Object.keys(tpl.data ?? {}).length === 0 && templateFrom.length === 0;
  if (tpl.mergePolicy === "Merge" || noTemplate) for (const [k, v] of Object.entries(fetched)) data[k] = b64(v);

  const apply = (target: Target, key: string, value: string): void => {
    if (target === "Labels") labels[key] = value;
    else if (target === "Annotations") annotations[key] = value;
    else data[key] = goBytes(value).toString("base64");
  };
  const values = (target: Target, key: string, source: string, where: string): void => {
    apply(target, key, renderTemplate(source, context, where, budget, key, env));
  };
  const keysAndValues = (target: Target, source: string, where: string, name: string): void => {
    const rendered = renderTemplate(source, context, where, budget, name, env);
    for (const [k, v] of Object.entries(parseKeysAndValues(rendered, where))) apply(target, k, v);
  };

  templateFrom.forEach((tf, i) => {
    const at = `spec.target.template.templateFrom[${i}]`;
    const target: Target = tf.target ?? "Data";
    if (tf.configMap) {
      const cm = sources.configMaps.get(tf.configMap.name);
      if (!cm) throw new HushError("HUSH_ERR_CONTROLLER_TEMPLATE_SOURCE_NOT_FOUND", `${at}.configMap: configmap ${tf.configMap.name} not found in the ExternalSecret's namespace`);
      for (const item of tf.configMap.items ?? []) {
        const text = Object.hasOwn(cm, item.key) ? cm[item.key] : undefined;
        if (text === undefined) throw new HushError("HUSH_ERR_CONTROLLER_TEMPLATE_SOURCE_NOT_FOUND", `${at}.configMap: error in configmap ${tf.configMap.name}: missing key ${item.key}`);
        if ((item.templateAs ?? "Values") === "KeysAndValues") keysAndValues(target, text, `${at}.configMap ${tf.configMap.name} key ${item.key}`, item.key);
        else values(target, item.key, text, `${at}.configMap ${tf.configMap.name} key ${item.key}`);
      }
    }
    if (tf.secret) {
      const sec = sources.secrets.get(tf.secret.name);
      if (!sec) throw new HushError("HUSH_ERR_CONTROLLER_TEMPLATE_SOURCE_NOT_FOUND", `${at}.secret: secret ${tf.secret.name} not found in the ExternalSecret's namespace`);
      for (const item of tf.secret.items ?? []) {
        const bytes = Object.hasOwn(sec, item.key) ? sec[item.key] : undefined;
        if (bytes === undefined) throw new HushError("HUSH_ERR_CONTROLLER_TEMPLATE_SOURCE_NOT_FOUND", `${at}.secret: error in secret ${tf.secret.name}: missing key ${item.key}`);
        const text = goString(bytes);
        if ((item.templateAs ?? "Values") === "KeysAndValues") keysAndValues(target, text, `${at}.secret ${tf.secret.name} key ${item.key}`, item.key);
        else values(target, item.key, text, `${at}.secret ${tf.secret.name} key ${item.key}`);
      }
    }
    if (tf.literal !== undefined) keysAndValues(target, tf.literal, `${at}.literal`, "literal");
  });

  for (const [k, src] of Object.entries(tpl.data ?? {})) values("Data", k, src, `spec.target.template.data.${k}`);
  for (const [k, src] of Object.entries(tpl.metadata?.labels ?? {})) values("Labels", k, src, `spec.target.template.metadata.labels.${k}`);
  for (const [k, src] of Object.entries(tpl.metadata?.annotations ?? {})) values("Annotations", k, src, `spec.target.template.metadata.annotations.${k}`);
  return { data, labels, annotations, type: tpl.type };
}

/**
 * `dataFrom[].rewrite[].transform`: ESO renders the template with `.value` set to the key (Go's
 * default `missingkey`, so an unknown field prints `<no value>` in ESO; here it fails). Each key
 * gets a small budget of its own.
 */
export function renderTransform(source: string, key: string, where: string): string {
  return renderTemplate(source, { value: key }, where, new TemplateBudget({ steps: 1000, allocatedBytes: 256 * 1024, outputBytes: 64 * 1024 }), "transform");
}
