/**
 * Sprig's `urlParse` and `urlJoin` on a port of Go's net/url (Parse, String, escaping), as
 * the reference renderer builds it (a host's port after its last colon; an IP literal in
 * brackets must be IPv6). Works on the string's bytes.
 */
import { isIPv6 } from "node:net";
import { goBytes, goString } from "./bytes.js";

type Mode = "path" | "pathSegment" | "host" | "zone" | "userPassword" | "queryComponent" | "fragment";

class UrlError extends Error {}

const alnum = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9");
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

function shouldEscape(c: string, mode: Mode): boolean {
  if (alnum(c)) return false;
  if ((mode === "host" || mode === "zone") && "!$&'()*+,;=:[]<>\"".includes(c)) return false;
  if ("-_.~".includes(c)) return false;
  if ("$&+,/:;=?@".includes(c)) {
    switch (mode) {
      case "path":
        return c === "?";
      case "pathSegment":
        return c === "/" || c === ";" || c === "," || c === "?";
      case "userPassword":
        return c === "@" || c === "/" || c === "?" || c === ":";
      case "queryComponent":
        return true;
      case "fragment":
        return false;
      default:
    }
  }
  if (mode === "fragment" && "!()*".includes(c)) return false;
  return true;
}

function unescape(s: string, mode: Mode): string {
  let n = 0;
  let hasPlus = false;
  for (let i = 0; i < s.length; ) {
    const c = s[i] as string;
    if (c === "%") {
      n++;
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      const v = parseInt(s.slice(i + 1, i + 3), 16);
      if (mode === "host" && v >> 4 < 8 && s.slice(i, i + 3) !== "%25") throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      if (mode === "zone" && s.slice(i, i + 3) !== "%25" && v !== 0x20 && shouldEscape(String.fromCharCode(v), "host")) throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      i += 3;
    } else if (c === "+") {
      hasPlus = mode === "queryComponent";
      i++;
    } else {
      if ((mode === "host" || mode === "zone") && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) throw new UrlError(`invalid character ${JSON.stringify(c)} in host name`);
      i++;
    }
  }
  if (n === 0 && !hasPlus) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "%") {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === "+") out += mode === "queryComponent" ? " " : "+";
    else out += c;
  }
  return out;
}

function escape(s: string, mode: Mode): string {
  let out = "";
  for (const c of s) {
    if (c === " " && mode === "queryComponent") out += "+";
    else if (shouldEscape(c, mode)) out += `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
    else out += c;
  }
  return out;
}

interface Url {
  scheme: string;
  opaque: string;
  user: { username: string; password?: string } | null;
  host: string;
  path: string;
  rawPath: string;
  omitHost: boolean;
  forceQuery: boolean;
  rawQuery: string;
  fragment: string;
  rawFragment: string;
}

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z")) continue;
    if ((c >= "0" && c <= "9") || c === "+" || c === "-" || c === ".") {
      if (i === 0) return ["", raw];
      continue;
    }
    if (c === ":") {
      if (i === 0) throw new UrlError("missing protocol scheme");
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ["", raw];
  }
  return ["", raw];
}

function validOptionalPort(port: string): boolean {
  if (port === "") return true;
  if (port[0] !== ":") return false;
  return /^[0-9]*$/.test(port.slice(1));
}

function parseHost(host: string): string {
  const open = host.lastIndexOf("[");
  if (open > 0) throw new UrlError("invalid IP-literal");
  if (open === 0) {
    const close = host.lastIndexOf("]");
    if (close < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
    const colonPortText = unescape(colonPort, "host");
    const inner = host.slice(1, close);
    const zone = inner.indexOf("%25");
    const name = zone >= 0 ? unescape(inner.slice(0, zone), "host") + unescape(inner.slice(zone), "zone") : unescape(inner, "host");
    // Go (1.25+) checks the literal is an IPv6 address (netip.ParseAddr, not IPv4).
    const at = name.indexOf("%");
    const addr = at >= 0 ? name.slice(0, at) : name;
    if (!isIPv6(addr) || (at >= 0 && at === name.length - 1)) throw new UrlError(`invalid host: ParseAddr(${JSON.stringify(name)}): invalid IP address`);
    return `[${name}]${colonPortText}`;
  } else {
    const i = host.lastIndexOf(":");
    if (i !== -1) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
    }
  }
  return unescape(host, "host");
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

function parseAuthority(authority: string): [Url["user"], string] {
  const i = authority.lastIndexOf("@");
  const host = parseHost(i < 0 ? authority : authority.slice(i + 1));
  if (i < 0) return [null, host];
  const userinfo = authority.slice(0, i);
  if (!validUserinfo(userinfo)) throw new UrlError("net/url: invalid userinfo");
  const colon = userinfo.indexOf(":");
  if (colon < 0) return [{ username: unescape(userinfo, "userPassword") }, host];
  return [{ username: unescape(userinfo.slice(0, colon), "userPassword"), password: unescape(userinfo.slice(colon + 1), "userPassword") }, host];
}

/** Go's url.Parse over a byte string. */
function parse(raw: string): Url {
  const hash = raw.indexOf("#");
  const main = hash < 0 ? raw : raw.slice(0, hash);
  const frag = hash < 0 ? "" : raw.slice(hash + 1);
  if (/[\x00-\x1f\x7f]/.test(main)) throw new UrlError("net/url: invalid control character in URL");
  const u: Url = { scheme: "", opaque: "", user: null, host: "", path: "", rawPath: "", omitHost: false, forceQuery: false, rawQuery: "", fragment: "", rawFragment: "" };
  if (main === "*") u.path = "*";
  else {
    let rest: string;
    [u.scheme, rest] = getScheme(main);
    u.scheme = u.scheme.toLowerCase();
    if (rest.endsWith("?") && rest.split("?").length === 2) {
      u.forceQuery = true;
      rest = rest.slice(0, -1);
    } else {
      const q = rest.indexOf("?");
      if (q >= 0) {
        u.rawQuery = rest.slice(q + 1);
        rest = rest.slice(0, q);
      }
    }
    let done = false;
    if (!rest.startsWith("/")) {
      if (u.scheme !== "") {
        u.opaque = rest;
        done = true;
      } else if ((rest.split("/")[0] ?? "").includes(":")) throw new UrlError("first path segment in URL cannot contain colon");
    }
    if (!done) {
      if ((u.scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
        let authority = rest.slice(2);
        rest = "";
        const slash = authority.indexOf("/");
        if (slash >= 0) {
          rest = authority.slice(slash);
          authority = authority.slice(0, slash);
        }
        [u.user, u.host] = parseAuthority(authority);
      } else if (u.scheme !== "" && rest.startsWith("/")) u.omitHost = true;
      u.path = unescape(rest, "path");
      u.rawPath = escape(u.path, "path") === rest ? "" : rest;
    }
  }
  if (frag !== "") {
    u.fragment = unescape(frag, "fragment");
    u.rawFragment = escape(u.fragment, "fragment") === frag ? "" : frag;
  }
  return u;
}

function validEncoded(s: string, mode: Mode): boolean {
  for (const c of s) if (!"!$&'()*+,;=:@[]%".includes(c) && shouldEscape(c, mode)) return false;
  return true;
}

function escapedPath(u: Url): string {
  if (u.rawPath !== "" && validEncoded(u.rawPath, "path")) {
    try {
      if (unescape(u.rawPath, "path") === u.path) return u.rawPath;
    } catch {
      /* fall through */
    }
  }
  if (u.path === "*") return "*";
  return escape(u.path, "path");
}

function escapedFragment(u: Url): string {
  if (u.rawFragment !== "" && validEncoded(u.rawFragment, "fragment")) {
    try {
      if (unescape(u.rawFragment, "fragment") === u.fragment) return u.rawFragment;
    } catch {
      /* fall through */
    }
  }
  return escape(u.fragment, "fragment");
}

function userString(user: NonNullable<Url["user"]>): string {
  return escape(user.username, "userPassword") + (user.password === undefined ? "" : `:${escape(user.password, "userPassword")}`);
}

/** Go's URL.String. */
function format(u: Url): string {
  let out = "";
  if (u.scheme !== "") out += `${u.scheme}:`;
  if (u.opaque !== "") out += u.opaque;
  else {
    if (u.scheme !== "" || u.host !== "" || u.user !== null) {
      if (!(u.omitHost && u.host === "" && u.user === null)) {
        if (u.host !== "" || u.path !== "" || u.user !== null) out += "//";
        if (u.user) out += `${userString(u.user)}@`;
        if (u.host !== "") out += escape(u.host, "host");
      }
    }
    const path = escapedPath(u);
    if (path !== "" && path[0] !== "/" && u.host !== "") out += "/";
    if (out === "" && (path.split("/")[0] ?? "").includes(":")) out += "./";
    out += path;
  }
  if (u.forceQuery || u.rawQuery !== "") out += `?${u.rawQuery}`;
  if (u.fragment !== "") out += `#${escapedFragment(u)}`;
  return out;
}

function hostname(host: string): string {
  let h = host;
  const colon = h.lastIndexOf(":");
  if (colon !== -1 && validOptionalPort(h.slice(colon))) h = h.slice(0, colon);
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  return h;
}

const bin = (s: string) => goBytes(s).toString("latin1");
const text = (s: string) => goString(Buffer.from(s, "latin1"));

/** Sprig's urlParse: the parts of a URL, or an error message (Sprig panics). */
export function urlParse(v: string): Record<string, string> | { error: string } {
  try {
    const u = parse(bin(v));
    return {
      scheme: text(u.scheme),
      host: text(u.host),
      hostname: text(hostname(u.host)),
      path: text(u.path),
      query: text(u.rawQuery),
      opaque: text(u.opaque),
      fragment: text(u.fragment),
      userinfo: text(u.user ? userString(u.user) : ""),
    };
  } catch (e) {
    if (e instanceof UrlError) return { error: `unable to parse url: parse ${JSON.stringify(v)}: ${e.message}` };
    throw e;
  }
}

/** Sprig's urlJoin from the parts urlParse returns. */
export function urlJoin(parts: Readonly<Record<string, string>>): string | { error: string } {
  const get = (k: string) => bin(parts[k] ?? "");
  const u: Url = { scheme: get("scheme"), opaque: get("opaque"), user: null, host: get("host"), path: get("path"), rawPath: "", omitHost: false, forceQuery: false, rawQuery: get("query"), fragment: get("fragment"), rawFragment: "" };
  const userinfo = get("userinfo");
  if (userinfo !== "") {
    try {
      u.user = parse(`proto://${userinfo}@host`).user;
    } catch (e) {
      if (e instanceof UrlError) return { error: `unable to parse userinfo in dict: ${e.message}` };
      throw e;
    }
  }
  return text(format(u));
}
