import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { TemplateError, functionNames, render, secretData } from "@hush/gotemplate";
import { requirePeer, repoRoot } from "@hush/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

// Go's own text/template + ESO's Sprig fork, built by scripts/peers.d/80-gotemplate-oracle.sh.
const oracle = requirePeer("gotemplate-oracle", "run `bash scripts/peers gotemplate`");

interface Case {
  name: string;
  template: string;
  data: Record<string, string>;
  /** The instant the date functions see (RFC 3339), on both sides. */
  now?: string;
}
interface GoResult {
  name: string;
  ok: boolean;
  output?: string;
  stage?: "parse" | "exec";
}

function go(cases: Case[]): GoResult[] {
  if (!oracle.ok) throw new Error(oracle.reason);
  const r = spawnSync(oracle.path, { input: JSON.stringify(cases), encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`oracle failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as GoResult[];
}

function hush(c: Case): { ok: boolean; output?: string; stage?: string } {
  try {
    const clock = c.now === undefined ? undefined : new Date(c.now);
    return { ok: true, output: render(c.name, c.template, secretData(c.data), clock ? { clock: () => clock, random: (n) => randomBytes(n) } : {}) };
  } catch (e) {
    if (e instanceof TemplateError) return { ok: false, stage: e.kind };
    throw e;
  }
}

function goView(r: GoResult): { ok: boolean; output?: string; stage?: string } {
  return r.ok ? { ok: true, output: r.output ?? "" } : { ok: false, stage: r.stage };
}

const dir = `${repoRoot}packages/gotemplate/testdata/`;

describe.skipIf(!oracle.ok)("templates against Go's text/template + Sprig", () => {
  it("the checked-in expectations are what Go renders today", () => {
    const corpus = parseYaml(readFileSync(`${dir}corpus.yaml`, "utf8")) as { clock: string; defaults: Record<string, string>; cases: { name: string; template: string; data?: Record<string, string> }[] };
    const cases = corpus.cases.map((c) => ({ name: c.name, template: c.template, data: c.data ?? corpus.defaults, now: corpus.clock }));
    const live = go(cases);
    // HUSH_UPDATE_CORPUS=1 rewrites expected.json from Go (review the diff).
    if (process.env["HUSH_UPDATE_CORPUS"] === "1") writeFileSync(`${dir}expected.json`, `${JSON.stringify(live, null, 1)}\n`);
    const stored = JSON.parse(readFileSync(`${dir}expected.json`, "utf8")) as GoResult[];
    expect(live.map(goView)).toEqual(stored.map(goView));
    expect(cases.map(hush)).toEqual(live.map(goView));
  });

  it("random pipelines over random secret values render byte for byte as Go does", () => {
    const unary = ["upper", "lower", "trim", "title", "b64enc", "sha256sum", "quote", "squote", "nospace", "toJson", "len", "toString", "initials", "urlquery", "html", "js", "b32enc", "adler32sum", "base", "dir", "clean", "ext", "isAbs", "osBase", "toDecimal", "camelcase", "b64enc | b64dec", "sha1sum"];
    const binary = ['replace "a" "-"', 'trimPrefix "x"', 'trimSuffix "y"', "indent 2", "nindent 1", "repeat 2", "trunc 3", "substr 1 4", 'default "dflt"', 'printf "%s|%q|%v"', 'contains "ab"', 'hasPrefix "a"', 'splitList ","', 'regexFind "[a-z]+"', 'regexReplaceAll "[0-9]" "#"', 'cat "z"', "abbrev 5", "wrap 4", 'wrapWith 3 "|"', "abbrevboth 2 8", 'trimall "a"', 'semverCompare ">=1.0"'];
    const stage = fc.oneof(fc.constantFrom(...unary), fc.constantFrom(...binary));
    // Secret data reaches templates as decoded UTF-8, so values are well-formed strings.
    const value = fc.oneof(fc.string({ maxLength: 24 }), fc.string({ unit: "grapheme", maxLength: 12 }).filter((s) => s.isWellFormed()), fc.constantFrom("", " a b ", "a,b,,c", "x1y2", "<&>\"'", "line1\nline2", "ÄÖü é"));
    const shape = fc.constantFrom(
      (p: string) => `{{ .v | ${p} }}`,
      (p: string) => `{{ if .v }}[{{ .v | ${p} }}]{{ else }}empty{{ end }}`,
      (p: string) => `{{ with $x := .v }}{{ $x | ${p} }}{{ end }}`,
      (p: string) => `{{- range $k, $e := . }}{{ $k }}={{ $e | ${p} }};{{ end -}}`,
      (p: string) => `{{ printf "%s" (.v | ${p}) }}`,
    );
    // hush strings are UTF-8 text: a byte-wise cut (trunc, substr, abbrev) inside a multi-byte
    // character gives U+FFFD where Go keeps the raw bytes, so those run on ASCII values.
    const byteCut = /^(trunc|substr|abbrev|wrapWith)/;
    const ascii = (s: string) => s.replace(/[^\x00-\x7f]/g, "a");
    const caseArb = fc
      .record({ stages: fc.array(stage, { minLength: 1, maxLength: 3 }), v: value, w: value, shape })
      .map((c) => (c.stages.some((s) => byteCut.test(s)) ? { ...c, v: ascii(c.v), w: ascii(c.w) } : c));
    const samples = fc.sample(caseArb, { numRuns: process.env["SLOW"] === "1" ? 2000 : 300, seed: 20261206 });
    const cases: Case[] = samples.map((s, i) => ({ name: `p${i}`, template: s.shape(s.stages.join(" | ")), data: { v: s.v, w: s.w } }));
    const live = go(cases);
    // A byte-wise cut (trunc, substr) can leave invalid UTF-8, which the JSON hop from Go
    // rewrites per byte; those outputs cannot be compared as text and are left out.
    const comparable = (r: GoResult, c: Case) => !/\uFFFD|\\ufffd/.test(r.output ?? "") || Object.values(c.data).some((v) => v.includes("\uFFFD"));
    const compared = cases.map((c, i) => ({ c, want: goView(live[i] as GoResult), got: hush(c), raw: live[i] as GoResult })).filter(({ raw, c }) => comparable(raw, c));
    expect(compared.length).toBeGreaterThan(cases.length * 0.9);
    const mismatches = compared.filter(({ want, got }) => JSON.stringify(want) !== JSON.stringify(got));
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(300);
  });

  it("date layouts format and parse as Go's time package on random layouts, instants and zones", () => {
    const token = fc.constantFrom("2006", "06", "01", "1", "Jan", "January", "02", "2", "_2", "002", "__2", "15", "03", "3", "04", "4", "05", "5", "PM", "pm", "Mon", "Monday", "MST", "-0700", "-07:00", "-07", "-070000", "Z07:00", "Z0700", "Z07", ".000", ".999999999", ",000000", ".9", " ", "-", ":", "/", "T", "x", "Janx", "1504");
    const layout = fc.array(token, { minLength: 1, maxLength: 8 }).map((t) => t.join(""));
    const instant = fc.oneof(fc.integer({ min: -2_000_000_000, max: 4_000_000_000 }), fc.constantFrom(0, 951782400, 1709164800, -62135596800, 253402300799));
    const zone = fc.constantFrom("UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Adelaide", "America/St_Johns", "Pacific/Chatham", "Asia/Kathmandu");
    const samples = fc.sample(fc.tuple(layout, instant, zone, fc.integer({ min: 0, max: 999_999_999 })), { numRuns: process.env["SLOW"] === "1" ? 5000 : 400, seed: Number(process.env["SEED"] ?? 20261206) });
    const cases: Case[] = samples.map(([l, t, z, ns], i) => ({
      name: `d${i}`,
      now: "2026-03-14T15:09:26.535Z",
      // Format with nanoseconds, then read the text back with the same layout (toDate) and print it.
      template: `{{ $t := date_modify "${ns}ns" (toDate "2006-01-02" "1970-01-01" | date_modify "${t}s") }}{{ $s := dateInZone ${JSON.stringify(l)} $t ${JSON.stringify(z)} }}{{ $s }}|{{ toDate ${JSON.stringify(l)} $s }}`,
      data: {},
    }));
    const live = go(cases);
    const mismatches = cases.map((c, i) => ({ c: c.template, want: goView(live[i] as GoResult), got: hush(c) })).filter(({ want, got }) => JSON.stringify(want) !== JSON.stringify(got));
    expect(mismatches.slice(0, 5)).toEqual([]);
    // Many layouts read back to a real time (not the zero time), so parsing is exercised.
    expect(live.filter((r) => r.ok && !(r.output ?? "").includes("0001-01-01 00:00:00")).length).toBeGreaterThan(40);
  });

  it("offers every function of ESO's own template function map, except getHostByName (no I/O), and no other", () => {
    const [listed] = go([{ name: "__funcmap__", template: "", data: {} }]);
    const eso = new Set((listed?.output ?? "").split("\n"));
    expect(eso.size).toBeGreaterThan(200);
    const goBuiltins = ["and", "or", "not", "len", "index", "slice", "print", "printf", "println", "html", "js", "urlquery", "eq", "ne", "lt", "le", "gt", "ge", "call"];
    expect([...eso].filter((n) => !functionNames.has(n))).toEqual(["getHostByName"]);
    expect([...functionNames].filter((n) => !eso.has(n) && !goBuiltins.includes(n))).toEqual([]);
  });

  it("PEM is read as Go's encoding/pem reads it (filterPEM on random near-PEM text)", () => {
    const piece = fc.constantFrom("-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----", "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----", "-----BEGIN  X-----", "-----END X-----", "\n", "\n", "\n", "\r\n", " ", "\t", "Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,00", "Z-Key : v ", "MIIB", "AAAA", "QQ==", "QUJD", "=", "junk", "-----", ":", "ü",
      "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n", "-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nB: 2\nA: 1\n\nQUJDRA==\n-----END PRIVATE KEY-----", "-----BEGIN certificate-----\r\n QU JD \r\n-----END certificate-----  \n", "-----BEGIN X-----\n-----END X-----\n");
    const text = fc.array(piece, { maxLength: 14 }).map((p) => p.join(""));
    const samples = fc.sample(text, { numRuns: process.env["SLOW"] === "1" ? 5000 : 500, seed: Number(process.env["SEED"] ?? 20261206) });
    const cases: Case[] = samples.map((v, i) => ({ name: `pem${i}`, template: '{{ filterPEM "CERTIFICATE" .v }}|{{ filterPEM "private key" .v }}|{{ filterPEM "x" .v }}', data: { v } }));
    const live = go(cases);
    const mismatches = cases.map((c, i) => ({ v: c.data["v"], want: goView(live[i] as GoResult), got: hush(c) })).filter(({ want, got }) => JSON.stringify(want) !== JSON.stringify(got));
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(live.filter((r) => r.ok && (r.output ?? "").includes("BEGIN")).length).toBeGreaterThan(20);
  });

  it("durations (ParseDuration, Duration.String, duration, durationRound, ago, dateModify) agree with Go", () => {
    const unit = fc.constantFrom("ns", "us", "µs", "ms", "s", "m", "h", "d", "", "x");
    const num = fc.oneof(fc.integer({ min: 0, max: 100_000 }).map(String), fc.constantFrom("0", ".5", "1.", "1.25", "9223372036854775807", "9223372036854775808", "9223372036", "00", ""));
    const dur = fc.tuple(fc.constantFrom("", "-", "+"), fc.array(fc.tuple(num, unit).map(([n, u]) => n + u), { minLength: 1, maxLength: 3 })).map(([sign, parts]) => sign + parts.join(""));
    const secs = fc.oneof(fc.integer({ min: -10_000_000_000, max: 10_000_000_000 }).map(String), fc.constantFrom("", "x", "1e3", "-0", "9223372036854775807"));
    const samples = fc.sample(fc.tuple(dur, secs), { numRuns: process.env["SLOW"] === "1" ? 5000 : 400, seed: Number(process.env["SEED"] ?? 20261206) });
    const cases: Case[] = samples.map(([d, n], i) => ({
      name: `du${i}`,
      now: "2026-03-14T15:09:26.535Z",
      template: `{{ now | dateModify ${JSON.stringify(d)} }}|{{ durationRound ${JSON.stringify(d)} }}|{{ duration ${JSON.stringify(n)} }}|{{ ago (now | dateModify ${JSON.stringify(d)}) }}|{{ durationRound (now | dateModify ${JSON.stringify(d)}) }}|{{ duration (int64 ${JSON.stringify(n)}) }}`,
      data: {},
    }));
    const live = go(cases);
    const mismatches = cases.map((c, i) => ({ c: c.template, want: goView(live[i] as GoResult), got: hush(c) })).filter(({ want, got }) => JSON.stringify(want) !== JSON.stringify(got));
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it("semverCompare agrees with Go on random constraints and versions", () => {
    const part = fc.constantFrom("0", "1", "2", "10", "x", "*", "01");
    const pre = fc.constantFrom("", "-alpha", "-alpha.1", "-beta.11", "-rc.1", "-0", "-1.2");
    const ver = fc.tuple(fc.constantFrom("", "v"), part, fc.constantFrom("", ".0", ".1", ".2", ".x"), fc.constantFrom("", ".0", ".3", ".x"), pre, fc.constantFrom("", "+b1")).map((p) => p.join(""));
    const op = fc.constantFrom("", "=", "!=", ">", "<", ">=", "=>", "<=", "=<", "~", "~>", "^");
    const one = fc.tuple(op, fc.constantFrom("", " "), ver).map((p) => p.join(""));
    const constraint = fc.oneof(one, fc.tuple(one, fc.constantFrom(", ", " ", " || "), one).map((p) => p.join("")), fc.tuple(ver, ver).map(([a, b]) => `${a} - ${b}`));
    const samples = fc.sample(fc.tuple(constraint, ver), { numRuns: process.env["SLOW"] === "1" ? 5000 : 400, seed: Number(process.env["SEED"] ?? 20261206) });
    const cases: Case[] = samples.map(([c, v], i) => ({ name: `s${i}`, template: `{{ semverCompare ${JSON.stringify(c)} ${JSON.stringify(v)} }}`, data: {} }));
    const live = go(cases);
    const mismatches = cases.map((c, i) => ({ c: c.template, want: goView(live[i] as GoResult), got: hush(c) })).filter(({ want, got }) => JSON.stringify(want) !== JSON.stringify(got));
    expect(mismatches.slice(0, 5)).toEqual([]);
    // Both outcomes and failures occur, so the sample exercises the rules.
    expect(new Set(live.map((r) => (r.ok ? r.output : "error"))).size).toBe(3);
  });

  it("urlParse and urlJoin agree with Go on random URLs", () => {
    const piece = fc.constantFrom("", "a", "B", "%20", "%2F", "%zz", "%25", " ", "+", ":", "@", "[", "]", "?", "#", "/", "//", ";", ",", "ü", "~", "!", "'", "*", "=", "&", "%41");
    const text = fc.array(piece, { maxLength: 5 }).map((p) => p.join(""));
    const url = fc.tuple(fc.constantFrom("", "http:", "HTTPS:", "mailto:", "x+y:", "1a:"), fc.constantFrom("", "//"), text, fc.constantFrom("", "@"), text, fc.constantFrom("", ":80", ":x", "]:1"), fc.constantFrom("", "/", "/p/"), text, fc.constantFrom("", "?"), text, fc.constantFrom("", "#"), text).map((p) => p.join(""));
    const samples = fc.sample(url, { numRuns: process.env["SLOW"] === "1" ? 5000 : 400, seed: Number(process.env["SEED"] ?? 20261206) });
    const cases: Case[] = samples.map((u, i) => ({ name: `u${i}`, template: "{{ $u := urlParse .u }}{{ toJson $u }}|{{ urlJoin $u }}", data: { u } }));
    const live = go(cases);
    const mismatches = cases.map((c, i) => ({ u: c.data["u"], want: goView(live[i] as GoResult), got: hush(c) })).filter(({ want, got }) => JSON.stringify(want) !== JSON.stringify(got));
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(live.filter((r) => r.ok).length).toBeGreaterThan(100);
    expect(live.filter((r) => !r.ok).length).toBeGreaterThan(20);
  });

  it("what hush generates Go reads, and the reverse: PKCS#12, certificates, keys, AES", () => {
    // Each engine generates material; both engines then read both sets and must agree.
    const make = `{{ $ca := genCA "Interop CA" 30 }}{{ $l := genSignedCert "leaf" (list "192.0.2.1" "2001:db8::1") (list "leaf.example") 30 $ca }}{{ $e := genPrivateKey "ecdsa" }}{{ $d := genPrivateKey "ed25519" }}{{ $s := genSelfSignedCertWithKey "ec" nil nil 5 $e }}{{ dict "ca" $ca.Cert "caKey" $ca.Key "leaf" $l.Cert "leafKey" $l.Key "ecCert" $s.Cert "ecKey" $e "edKey" $d "p12" (pemToPkcs12Pass $l.Cert $l.Key "pw") "full" (fullPemToPkcs12 (print $l.Cert $ca.Cert) $l.Key) "ecP12" (pemToPkcs12 $s.Cert $e) "aes" (encryptAES "k3y" "interop text") | toJson }}`;
    const read = `{{ .p12 | b64dec | pkcs12keyPass "pw" }}{{ .p12 | b64dec | pkcs12certPass "pw" }}{{ .full | b64dec | pkcs12cert }}{{ .ecP12 | b64dec | pkcs12key }}{{ decryptAES "k3y" .aes }}|{{ filterCertChain "root" .ca }}{{ $ca := buildCustomCert (b64enc .ca) (b64enc .caKey) }}{{ (genSignedCertWithKey "x" nil nil 1 $ca .ecKey).Key }}{{ (genSelfSignedCertWithKey "y" nil nil 1 .edKey).Key }}{{ (buildCustomCert (b64enc .ecCert) (b64enc .ecKey)).Cert }}`;
    const made = { hush: JSON.parse(hushRender(make, {})) as Record<string, string>, go: JSON.parse(goRender(make, {})) as Record<string, string> };
    for (const [who, data] of Object.entries(made)) {
      const want = goRender(read, data);
      expect(want, `Go reads what ${who} made`).toContain("interop text|");
      expect(hushRender(read, data), `hush reads what ${who} made as Go does`).toBe(want);
    }
  });
});

function hushRender(template: string, data: Record<string, string>): string {
  return render("t", template, secretData(data), { clock: () => new Date(), random: (n) => randomBytes(n) });
}

function goRender(template: string, data: Record<string, string>): string {
  const [r] = go([{ name: "t", template, data }]);
  if (!r?.ok) throw new Error(`Go failed: ${JSON.stringify(r)}`);
  return r.output ?? "";
}
