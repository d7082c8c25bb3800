// Renders template cases with Go's own text/template and Sprig, the way External Secrets
// Operator does (missingkey=error, map[string]string data, Sprig without env access,
// ESO's toYaml/fromYaml). Reads a JSON array of cases on stdin, writes a JSON array of
// results on stdout. Used by the hush test suite as the reference implementation.
package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"
)

type tcase struct {
	Name     string            `json:"name"`
	Template string            `json:"template"`
	Data     map[string]string `json:"data"`
}

type result struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Output string `json:"output,omitempty"`
	Stage  string `json:"stage,omitempty"`
	Error  string `json:"error,omitempty"`
}

func funcs() template.FuncMap {
	m := sprig.TxtFuncMap()
	delete(m, "env")
	delete(m, "expandenv")
	m["toYaml"] = func(v any) string {
		data, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(data), "\n")
	}
	m["fromYaml"] = func(s string) map[string]any {
		out := map[string]any{}
		if err := yaml.Unmarshal([]byte(s), &out); err != nil {
			out["Error"] = err.Error()
		}
		return out
	}
	// ESO's filterPEM (runtime/template/v2/pem.go): the blocks of one type, re-encoded.
	m["filterPEM"] = func(pemType, input string) (string, error) {
		data := []byte(input)
		var blocks []byte
		var rest []byte
		for {
			var block *pem.Block
			block, rest = pem.Decode(data)
			data = rest
			if block == nil {
				break
			}
			if !strings.EqualFold(block.Type, pemType) {
				continue
			}
			var buf bytes.Buffer
			if err := pem.Encode(&buf, block); err != nil {
				return "", err
			}
			blocks = append(blocks, buf.Bytes()...)
		}
		if len(blocks) == 0 && len(rest) != 0 {
			return "", errors.New("error decoding PEM")
		}
		return string(blocks), nil
	}
	return m
}

func main() {
	var cases []tcase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		os.Stderr.WriteString("oracle: bad input: " + err.Error() + "\n")
		os.Exit(2)
	}
	fm := funcs()
	out := make([]result, 0, len(cases))
	for _, c := range cases {
		r := result{Name: c.Name}
		t, err := template.New(c.Name).Option("missingkey=error").Funcs(fm).Parse(c.Template)
		if err != nil {
			r.Stage, r.Error = "parse", err.Error()
			out = append(out, r)
			continue
		}
		var buf bytes.Buffer
		data := c.Data
		if data == nil {
			data = map[string]string{}
		}
		if err := t.Execute(&buf, data); err != nil {
			r.Stage, r.Error = "exec", err.Error()
		} else {
			r.OK, r.Output = true, buf.String()
		}
		out = append(out, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		os.Exit(2)
	}
}
