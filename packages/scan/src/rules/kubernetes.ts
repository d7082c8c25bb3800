import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from "yaml";
import { isPlaceholderValue } from "../allowlist.js";
import { shannonEntropy } from "../entropy.js";
import type { Rule } from "../rule.js";
import type { RawHit } from "../types.js";

/** Recognises SOPS ciphertext values (`ENC[AES256_GCM,data:…]`); injected from @hush/sops. */
export type EncryptedValueTest = (value: string) => boolean;

/** Scans a decoded Secret value with the token rules; returns rule ids and secrets found. */
export type DecodedScanner = (value: string) => readonly { rule: string; secret: string }[];

const manifestPath = /\.(?:ya?ml|json|tpl)$/i;
const kustomization = /(?:^|\/)kustomization\.ya?ml$/i;
const templated = /\{\{|\$\{|\$\(/;
// Cheap gate before any YAML parsing: a `kind: Secret` (YAML or JSON spelling) somewhere.
const secretKind = /["']?kind["']?\s*:\s*["']?(?:Sealed)?Secret\b/;

interface SecretValue {
  readonly offset: number;
  readonly value: string;
  readonly base64: boolean;
}

function str(node: unknown): string | undefined {
  return isScalar(node) && (typeof node.value === "string" || typeof node.value === "number") ? String(node.value) : undefined;
}

function getPair(map: Node, key: string): { key: Node; value: Node | null } | undefined {
  if (!isMap(map)) return undefined;
  for (const item of map.items) {
    if (str(item.key) === key) return { key: item.key as Node, value: (item.value as Node | null) ?? null };
  }
  return undefined;
}

function secretValues(obj: Node, out: SecretValue[]): void {
  if (!isMap(obj)) return;
  const kind = str(getPair(obj, "kind")?.value);
  if (kind === "List" || kind?.endsWith("List")) {
    const items = getPair(obj, "items")?.value;
    if (isSeq(items)) for (const it of items.items) secretValues(it as Node, out);
    return;
  }
  if (kind === "SealedSecret") {
    // `spec.encryptedData` is ciphertext; `spec.template.data` is copied into the Secret as is.
    const template = getPair(getPair(obj, "spec")?.value ?? obj, "template")?.value;
    const section = template ? getPair(template, "data")?.value : undefined;
    if (isMap(section)) {
      for (const item of section.items) {
        const v = item.value as Node | null;
        const value = str(v);
        if (value === undefined || value.length === 0 || !isScalar(v) || !v.range) continue;
        out.push({ offset: v.range[0], value, base64: false });
      }
    }
    return;
  }
  if (kind !== "Secret") return;
  for (const field of ["data", "stringData"] as const) {
    const section = getPair(obj, field)?.value;
    if (!isMap(section)) continue;
    for (const item of section.items) {
      const v = item.value as Node | null;
      const value = str(v);
      if (value === undefined || value.length === 0 || !isScalar(v) || !v.range) continue;
      out.push({ offset: v.range[0], value, base64: field === "data" });
    }
  }
}

function decodeBase64(v: string): string | undefined {
  const compact = v.replace(/\s/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) return undefined;
  return Buffer.from(compact, "base64").toString("utf8");
}

/** Line-based fallback for Helm templates and other files the YAML parser rejects. */
function scanLines(text: string, out: SecretValue[]): void {
  let offset = 0;
  let isSecret = false;
  let section: { indent: number; base64: boolean } | undefined;
  for (const line of text.split("\n")) {
    const lineStart = offset;
    offset += line.length + 1;
    if (/^---/.test(line)) {
      isSecret = false;
      section = undefined;
      continue;
    }
    if (/^kind:\s*["']?Secret["']?\s*$/.test(line)) isSecret = true;
    const m = /^(\s*)(data|stringData):\s*$/.exec(line);
    if (m) {
      section = { indent: m[1]!.length, base64: m[2] === "data" };
      continue;
    }
    if (!section) continue;
    const kv = /^(\s*)[\w.-]{1,253}:\s+(["']?)([^"'#\s][^"'#]*?)\2\s*$/.exec(line);
    const indent = /^\s*/.exec(line)![0].length;
    if (line.trim() === "" || line.trim().startsWith("#")) continue;
    if (indent <= section.indent) {
      section = undefined;
      continue;
    }
    if (kv && isSecret && !templated.test(kv[3]!) && !line.includes("{{")) {
      out.push({ offset: lineStart + line.indexOf(kv[3]!, kv[1]!.length), value: kv[3]!, base64: section.base64 });
    }
  }
}

/**
 * JSON manifests: `JSON.parse` (fast, flat memory) finds Secrets in the object or a `*List`;
 * each value's offset is found by searching its JSON spelling forward from its key. Returns
 * undefined when the text is not JSON. A 4 MB OpenAPI document costs one JSON.parse instead of a
 * full YAML AST.
 */
function jsonSecretValues(text: string): SecretValue[] | undefined {
  const t = text.trimStart();
  if (!t.startsWith("{") && !t.startsWith("[")) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const out: SecretValue[] = [];
  const seen = new Map<string, number>();
  const escape = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // The n-th occurrence of the `"key": "value"` pair in the text is the n-th time we meet it.
  const locate = (k: string, v: string): number => {
    const pair = `${JSON.stringify(k)}\0${JSON.stringify(v)}`;
    const nth = seen.get(pair) ?? 0;
    seen.set(pair, nth + 1);
    const re = new RegExp(`${escape(JSON.stringify(k))}\\s*:\\s*(${escape(JSON.stringify(v))})`, "g");
    let m: RegExpExecArray | null = null;
    for (let i = 0; i <= nth; i++) if (!(m = re.exec(text))) return 0;
    return m ? m.index + m[0].length - m[1]!.length + 1 : 0;
  };
  const visit = (o: unknown): void => {
    if (Array.isArray(o)) {
      for (const x of o) visit(x);
      return;
    }
    if (!o || typeof o !== "object") return;
    const obj = o as Record<string, unknown>;
    const kind = obj["kind"];
    if (typeof kind === "string" && kind.endsWith("List")) return visit(obj["items"]);
    if (kind === "SealedSecret") {
      const spec = obj["spec"] as Record<string, unknown> | undefined;
      const data = (spec?.["template"] as Record<string, unknown> | undefined)?.["data"];
      if (data && typeof data === "object" && !Array.isArray(data)) {
        for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
          if (typeof v === "string" && v.length > 0) out.push({ offset: locate(k, v), value: v, base64: false });
        }
      }
      return;
    }
    if (kind !== "Secret") return;
    for (const field of ["data", "stringData"] as const) {
      const section = obj[field];
      if (!section || typeof section !== "object" || Array.isArray(section)) continue;
      for (const [k, v] of Object.entries(section as Record<string, unknown>)) {
        if (typeof v !== "string" || v.length === 0) continue;
        out.push({ offset: locate(k, v), value: v, base64: field === "data" });
      }
    }
  };
  visit(doc);
  return out;
}

/**
 * Secret values that hold nothing secret: public certificates and keys, placeholders
 * (`changeme`, `hunter2`, `bar`), prose, and values too short to be a credential. Test and
 * example manifests are full of them; a Secret whose every value is inert is not a leak.
 */
function isInert(value: string): boolean {
  const v = value.trim();
  if (/^-----BEGIN (?:CERTIFICATE|PUBLIC KEY|[A-Z ]{0,20}PUBLIC KEY)/.test(v)) return true;
  // A file held in a Secret (`config.yaml: |`) is inert unless some word in it could be a credential.
  if (v.includes("\n")) return v.split(/[\s"',;=:]+/).every((w) => w.length < 8 || isPlaceholderValue(w) || shannonEntropy(w) <= 3);
  return v.length < 6 || /\s/.test(v) || isPlaceholderValue(v);
}

/** Above this size YAML is read line by line instead of through a full AST. */
const maxYamlAst = 1024 * 1024;

function parseDocs(text: string): Document.Parsed[] | undefined {
  if (text.length > maxYamlAst) return undefined;
  try {
    const docs = parseAllDocuments(text, { uniqueKeys: false, strict: false });
    if (!Array.isArray(docs)) return undefined;
    if (docs.some((d) => d.errors.length > 0)) return undefined;
    return docs;
  } catch {
    return undefined;
  }
}

/**
 * The Kubernetes-aware detector: `kind: Secret` objects with non-empty `data`/`stringData`
 * (YAML or JSON, multi-document, `kind: List`, Helm templates) and kustomize
 * `secretGenerator` literals. Values that are SOPS ciphertext or templates are not findings.
 * Base64 `data` values are decoded and also run through the token rules. `envFiles` are the
 * files kustomize secretGenerators read (see {@link kustomizeSecretSources}); their plaintext
 * values are findings too.
 */
export function kubernetesRules(
  isEncrypted: EncryptedValueTest,
  scanDecoded: DecodedScanner,
  envFiles: ReadonlySet<string> = new Set(),
): Rule[] {
  const secretRule: Rule = {
    id: "kubernetes-secret",
    description: "Kubernetes Secret with plaintext data/stringData (encrypt it with hush/sops)",
    keywords: ["secret"],
    detect: (text, ctx) => {
      if (!manifestPath.test(ctx.path) || !secretKind.test(text)) return [];
      let values = jsonSecretValues(text);
      if (!values) {
        values = [];
        // Helm templates usually fail to parse and fall back to the line reader; a manifest whose
        // only `{{` sit inside quoted strings (a SealedSecret template) parses fine.
        const docs = parseDocs(text);
        if (docs) for (const d of docs) if (d.contents) secretValues(d.contents as Node, values);
        if (!docs) scanLines(text, values);
      }
      const hits: RawHit[] = [];
      for (const v of values) {
        if (isEncrypted(v.value) || templated.test(v.value)) continue;
        const plain = v.base64 ? decodeBase64(v.value) : v.value;
        const secret = plain ?? v.value;
        if (secret.length === 0) continue;
        // A value a token rule recognises is never inert, whatever its shape.
        const tokens = scanDecoded(secret);
        if (tokens.length > 0 || !isInert(secret)) hits.push({ rule: "kubernetes-secret", offset: v.offset, secret, fileLevel: true });
        if (v.base64 && plain !== undefined) {
          for (const d of tokens) hits.push({ rule: d.rule, offset: v.offset, secret: d.secret, fileLevel: true });
        }
      }
      return hits;
    },
  };

  const kustomizeRule: Rule = {
    id: "kustomize-secret-literal",
    description: "kustomize secretGenerator literal with a plaintext value",
    keywords: ["secretgenerator"],
    detect: (text, ctx) => {
      if (!kustomization.test(ctx.path)) return [];
      const docs = parseDocs(text);
      const hits: RawHit[] = [];
      for (const d of docs ?? []) {
        const gens = d.contents ? getPair(d.contents as Node, "secretGenerator")?.value : undefined;
        if (!isSeq(gens)) continue;
        for (const gen of gens.items) {
          const literals = getPair(gen as Node, "literals")?.value;
          if (!isSeq(literals)) continue;
          for (const lit of literals.items) {
            const s = str(lit);
            if (s === undefined || !isScalar(lit) || !lit.range) continue;
            const eq = s.indexOf("=");
            const value = eq === -1 ? "" : s.slice(eq + 1);
            if (value.length === 0 || isEncrypted(value) || templated.test(value)) continue;
            hits.push({ rule: "kustomize-secret-literal", offset: lit.range[0], secret: value, fileLevel: true });
          }
        }
      }
      return hits;
    },
  };
  const envFileRule: Rule = {
    id: "kustomize-secret-env-file",
    description: "env/file source of a kustomize secretGenerator with plaintext values",
    keywords: [],
    detect: (text, ctx) => {
      if (!envFiles.has(ctx.path)) return [];
      const hits: RawHit[] = [];
      let offset = 0;
      for (const line of text.split("\n")) {
        // sops_* keys are a SOPS dotenv file's metadata, not values.
        const m = /^\s*(?:export\s+)?(?!sops_)[A-Za-z_][\w.-]*\s*=\s*(.*?)\s*$/.exec(line);
        const raw = m?.[1] ?? "";
        const value = raw.replace(/^(["'])(.*)\1$/, "$2");
        if (m && value.length > 0 && !line.trimStart().startsWith("#") && !isEncrypted(value) && !templated.test(value)) {
          hits.push({ rule: "kustomize-secret-env-file", offset: offset + line.indexOf(raw, line.indexOf("=")), secret: value, fileLevel: true });
        }
        offset += line.length + 1;
      }
      // A whole-file source (`files:`) that is not KEY=VALUE: the file itself is the secret.
      if (hits.length === 0 && text.trim().length > 0 && !isEncrypted(text.trim()) && !/(?:^|\n)\s*"?sops"?\s*:|sops_mac=/.test(text)) {
        hits.push({ rule: "kustomize-secret-env-file", offset: 0, secret: text, fileLevel: true, wholeFile: true });
      }
      return hits;
    },
  };
  return envFiles.size > 0 ? [secretRule, kustomizeRule, envFileRule] : [secretRule, kustomizeRule];
}

/**
 * The files a kustomization's `secretGenerator` reads (`envs`, `env`, `files`; `key=path` form
 * too), as paths relative to the scan root. `path` is the kustomization file's own path.
 * Returns an empty list for anything that is not a parseable kustomization.
 */
export function kustomizeSecretSources(path: string, text: string): string[] {
  if (!kustomization.test(path)) return [];
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  const out: string[] = [];
  for (const d of parseDocs(text) ?? []) {
    const gens = d.contents ? getPair(d.contents as Node, "secretGenerator")?.value : undefined;
    if (!isSeq(gens)) continue;
    for (const gen of gens.items) {
      for (const field of ["envs", "files"] as const) {
        const list = getPair(gen as Node, field)?.value;
        if (!isSeq(list)) continue;
        for (const item of list.items) {
          const s = str(item);
          if (s) out.push(s.includes("=") ? s.slice(s.indexOf("=") + 1) : s);
        }
      }
      const env = str(getPair(gen as Node, "env")?.value);
      if (env) out.push(env);
    }
  }
  return out.map((p) => normalise(dir ? `${dir}/${p}` : p)).filter((p): p is string => p !== undefined);
}

function normalise(p: string): string | undefined {
  const parts: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join("/");
}
