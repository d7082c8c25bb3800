import { TemplateError } from "./errors.js";

/** Token kinds of Go's text/template lexer (text/template/parse/lex.go). */
export type TokenKind =
  | "text"
  | "leftDelim"
  | "rightDelim"
  | "space"
  | "identifier"
  | "field"
  | "variable"
  | "string"
  | "rawString"
  | "char"
  | "number"
  | "bool"
  | "nil"
  | "dot"
  | "pipe"
  | "leftParen"
  | "rightParen"
  | "assign"
  | "declare"
  | "comma"
  | "keyword"
  | "eof";

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
}

const keywords = new Set(["block", "break", "continue", "define", "else", "end", "if", "range", "template", "with"]);

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n";
}

function isAlphaNumeric(c: string): boolean {
  return c === "_" || /^[\p{L}\p{Nd}]$/u.test(c);
}

/**
 * Splits a template into tokens in one left-to-right pass (linear in the input). Whitespace
 * trim markers (`{{- ` and ` -}}`) are applied to the neighbouring text here, as Go does.
 */
export function lex(name: string, input: string, leftDelim = "{{", rightDelim = "}}"): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  const fail = (msg: string): never => {
    throw new TemplateError("parse", `template: ${name}:${line}: ${msg}`);
  };
  const emit = (kind: TokenKind, text: string): void => {
    tokens.push({ kind, text, line });
    for (const ch of text) if (ch === "\n") line++;
  };
  let trimNextText = false;

  while (pos < input.length) {
    // Text up to the next left delimiter.
    let next = input.indexOf(leftDelim, pos);
    if (next < 0) next = input.length;
    let text = input.slice(pos, next);
    if (trimNextText) {
      const cut = leadingSpace(text);
      for (let i = 0; i < cut; i++) if (text[i] === "\n") line++;
      pos += cut;
      text = text.slice(cut);
    }
    trimNextText = false;
    const actionStart = next;
    // A left trim marker removes the whitespace before the action.
    const afterDelim = actionStart + leftDelim.length;
    const leftTrim =
      actionStart < input.length && input[afterDelim] === "-" && afterDelim + 1 < input.length && isSpace(input[afterDelim + 1] as string);
    if (leftTrim) text = text.slice(0, text.length - trailingSpace(text));
    if (text.length > 0) emit("text", text);
    // Count newlines of trimmed-away text so line numbers stay right.
    for (let i = pos + text.length; i < actionStart; i++) if (input[i] === "\n") line++;
    if (actionStart >= input.length) break;
    pos = afterDelim + (leftTrim ? 2 : 0);

    // A comment: {{/* ... */}}, only directly after the delimiter (and trim marker).
    if (input.startsWith("/*", pos)) {
      const end = input.indexOf("*/", pos + 2);
      if (end < 0) fail("unclosed comment");
      for (let i = pos; i < end; i++) if (input[i] === "\n") line++;
      pos = end + 2;
      const rightTrim = input.startsWith(` -${rightDelim}`, pos) || (isSpace(input[pos] ?? "") && input.startsWith(`-${rightDelim}`, pos + 1));
      if (rightTrim) {
        pos = input.indexOf(rightDelim, pos) + rightDelim.length;
        trimNextText = true;
      } else if (input.startsWith(rightDelim, pos)) {
        pos += rightDelim.length;
      } else {
        fail("comment ends before closing delimiter");
      }
      continue;
    }

    emit("leftDelim", leftDelim);
    let parenDepth = 0;
    // Inside an action.
    for (;;) {
      if (pos >= input.length) fail("unclosed action");
      const c = input[pos] as string;
      // Right delimiter, with or without a trim marker.
      if (isSpace(c)) {
        let end = pos;
        while (end < input.length && isSpace(input[end] as string)) end++;
        if (input[end] === "-" && input.startsWith(rightDelim, end + 1)) {
          if (parenDepth > 0) fail("unclosed left paren");
          for (let i = pos; i < end; i++) if (input[i] === "\n") line++;
          pos = end + 1 + rightDelim.length;
          emit("rightDelim", rightDelim);
          trimNextText = true;
          break;
        }
        emit("space", input.slice(pos, end));
        pos = end;
        continue;
      }
      if (input.startsWith(rightDelim, pos)) {
        if (parenDepth > 0) fail("unclosed left paren");
        pos += rightDelim.length;
        emit("rightDelim", rightDelim);
        break;
      }
      if (c === "=") {
        emit("assign", "=");
        pos++;
      } else if (c === ":") {
        if (input[pos + 1] !== "=") fail("expected :=");
        emit("declare", ":=");
        pos += 2;
      } else if (c === "|") {
        emit("pipe", "|");
        pos++;
      } else if (c === ",") {
        emit("comma", ",");
        pos++;
      } else if (c === "(") {
        parenDepth++;
        emit("leftParen", "(");
        pos++;
      } else if (c === ")") {
        parenDepth--;
        if (parenDepth < 0) fail("unexpected right paren");
        emit("rightParen", ")");
        pos++;
      } else if (c === '"') {
        let end = pos + 1;
        for (;;) {
          const d = input[end];
          if (d === undefined || d === "\n") fail("unterminated quoted string");
          if (d === "\\") end += 2;
          else if (d === '"') break;
          else end++;
        }
        emit("string", input.slice(pos, end + 1));
        pos = end + 1;
      } else if (c === "`") {
        const end = input.indexOf("`", pos + 1);
        if (end < 0) fail("unterminated raw quoted string");
        emit("rawString", input.slice(pos, end + 1));
        pos = end + 1;
      } else if (c === "'") {
        let end = pos + 1;
        for (;;) {
          const d = input[end];
          if (d === undefined || d === "\n") fail("unterminated character constant");
          if (d === "\\") end += 2;
          else if (d === "'") break;
          else end++;
        }
        emit("char", input.slice(pos, end + 1));
        pos = end + 1;
      } else if (c === "$") {
        let end = pos + 1;
        while (end < input.length && isAlphaNumeric(input[end] as string)) end++;
        emit("variable", input.slice(pos, end));
        pos = end;
      } else if (c === ".") {
        const d = input[pos + 1] ?? "";
        if (d >= "0" && d <= "9") {
          pos = lexNumber(input, pos, emit, fail);
        } else if (isAlphaNumeric(d)) {
          let end = pos + 1;
          while (end < input.length && isAlphaNumeric(input[end] as string)) end++;
          emit("field", input.slice(pos, end));
          pos = end;
        } else {
          emit("dot", ".");
          pos++;
        }
      } else if (c === "+" || c === "-" || (c >= "0" && c <= "9")) {
        pos = lexNumber(input, pos, emit, fail);
      } else if (isAlphaNumeric(c)) {
        let end = pos;
        while (end < input.length && isAlphaNumeric(input[end] as string)) end++;
        const word = input.slice(pos, end);
        if (keywords.has(word)) emit("keyword", word);
        else if (word === "true" || word === "false") emit("bool", word);
        else if (word === "nil") emit("nil", word);
        else emit("identifier", word);
        pos = end;
        // Go requires a separator after a word: `x.y` is a field chain on an identifier.
      } else {
        fail(`unexpected ${JSON.stringify(c)} in command`);
      }
    }
  }
  tokens.push({ kind: "eof", text: "", line });
  return tokens;
}

// Hand-written scans: a backtracking `\s+$` is quadratic on long runs of spaces.
function leadingSpace(text: string): number {
  let n = 0;
  while (n < text.length && isSpace(text[n] as string)) n++;
  return n;
}

function trailingSpace(text: string): number {
  let n = 0;
  while (n < text.length && isSpace(text[text.length - 1 - n] as string)) n++;
  return n;
}

function lexNumber(
  input: string,
  start: number,
  emit: (kind: TokenKind, text: string) => void,
  fail: (msg: string) => never,
): number {
  let end = start;
  if (input[end] === "+" || input[end] === "-") end++;
  let digits = "0123456789_";
  if (input[end] === "0" && /[xXoObB]/.test(input[end + 1] ?? "")) {
    const base = (input[end + 1] as string).toLowerCase();
    digits = base === "x" ? "0123456789abcdefABCDEF_" : base === "o" ? "01234567_" : "01_";
    end += 2;
  }
  const run = (set: string): void => {
    while (end < input.length && set.includes(input[end] as string)) end++;
  };
  run(digits);
  if (input[end] === ".") {
    end++;
    run(digits);
  }
  if (digits.length <= 11 && /[eE]/.test(input[end] ?? "")) {
    end++;
    if (input[end] === "+" || input[end] === "-") end++;
    run("0123456789_");
  } else if (/[pP]/.test(input[end] ?? "") && digits.length > 11) {
    end++;
    if (input[end] === "+" || input[end] === "-") end++;
    run("0123456789_");
  }
  if (input[end] === "i") end++;
  const next = input[end] ?? "";
  if (isAlphaNumeric(next)) fail(`bad number syntax: ${JSON.stringify(input.slice(start, end + 1))}`);
  emit("number", input.slice(start, end));
  return end;
}
