// Renders template cases with Go's own text/template and the function map of External
// Secrets Operator v0.16.2 itself (its pkg/template/v2: Sprig without env access, plus ESO's
// helpers: toYaml/fromYaml, filterPEM, filterCertChain, pkcs12*, jwk*), with missingkey=error
// and map[string]string data. A case may fix the clock ("now", RFC 3339): the date functions
// that read time.Now are then replaced by Sprig's own code on that instant. time.Local is
// UTC, as in ESO's container image. Reads a JSON array of cases on stdin, writes a JSON
// array of results on stdout. Used by the hush test suite as the reference implementation.
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"
	_ "time/tzdata"

	esotemplate "github.com/external-secrets/external-secrets/pkg/template/v2"
)

type tcase struct {
	Name     string            `json:"name"`
	Template string            `json:"template"`
	Data     map[string]string `json:"data"`
	Now      string            `json:"now,omitempty"`
}

type result struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Output string `json:"output,omitempty"`
	Stage  string `json:"stage,omitempty"`
	Error  string `json:"error,omitempty"`
}

// funcs is ESO's own function map; with a fixed clock, Sprig's date functions that read
// time.Now are re-registered as Sprig v3.3.0 writes them (date.go), reading `now` instead.
func funcs(now *time.Time) template.FuncMap {
	m := template.FuncMap{}
	for k, v := range esotemplate.FuncMap() {
		m[k] = v
	}
	if now == nil {
		return m
	}
	clock := *now
	since := func(t time.Time) time.Duration { return clock.Sub(t) }
	dateInZone := func(fmt string, date interface{}, zone string) string {
		var t time.Time
		switch date := date.(type) {
		default:
			t = clock
		case time.Time:
			t = date
		case *time.Time:
			t = *date
		case int64:
			t = time.Unix(date, 0)
		case int:
			t = time.Unix(int64(date), 0)
		case int32:
			t = time.Unix(int64(date), 0)
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			loc, _ = time.LoadLocation("UTC")
		}
		return t.In(loc).Format(fmt)
	}
	m["now"] = func() time.Time { return clock }
	m["date"] = func(fmt string, date interface{}) string { return dateInZone(fmt, date, "Local") }
	m["dateInZone"] = dateInZone
	m["date_in_zone"] = dateInZone
	m["htmlDate"] = func(date interface{}) string { return dateInZone("2006-01-02", date, "Local") }
	m["htmlDateInZone"] = func(date interface{}, zone string) string { return dateInZone("2006-01-02", date, zone) }
	m["ago"] = func(date interface{}) string {
		var t time.Time
		switch date := date.(type) {
		default:
			t = clock
		case time.Time:
			t = date
		case int64:
			t = time.Unix(date, 0)
		case int:
			t = time.Unix(int64(date), 0)
		}
		return since(t).Round(time.Second).String()
	}
	m["durationRound"] = func(duration interface{}) string {
		var d time.Duration
		switch duration := duration.(type) {
		default:
			d = 0
		case string:
			d, _ = time.ParseDuration(duration)
		case int64:
			d = time.Duration(duration)
		case time.Time:
			d = since(duration)
		}
		u := uint64(d)
		if d < 0 {
			u = -u
		}
		var (
			year   = uint64(time.Hour) * 24 * 365
			month  = uint64(time.Hour) * 24 * 30
			day    = uint64(time.Hour) * 24
			hour   = uint64(time.Hour)
			minute = uint64(time.Minute)
			second = uint64(time.Second)
		)
		switch {
		case u > year:
			return strconv.FormatUint(u/year, 10) + "y"
		case u > month:
			return strconv.FormatUint(u/month, 10) + "mo"
		case u > day:
			return strconv.FormatUint(u/day, 10) + "d"
		case u > hour:
			return strconv.FormatUint(u/hour, 10) + "h"
		case u > minute:
			return strconv.FormatUint(u/minute, 10) + "m"
		case u > second:
			return strconv.FormatUint(u/second, 10) + "s"
		}
		return "0s"
	}
	return m
}

func main() {
	var cases []tcase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		os.Stderr.WriteString("oracle: bad input: " + err.Error() + "\n")
		os.Exit(2)
	}
	time.Local = time.UTC
	live := funcs(nil)
	out := make([]result, 0, len(cases))
	for _, c := range cases {
		r := result{Name: c.Name}
		// A case named "__funcmap__" lists the function names instead (one per line, sorted).
		if c.Name == "__funcmap__" {
			names := make([]string, 0, len(live))
			for k := range live {
				names = append(names, k)
			}
			sort.Strings(names)
			r.OK, r.Output = true, strings.Join(names, "\n")
			out = append(out, r)
			continue
		}
		fm := live
		if c.Now != "" {
			now, err := time.Parse(time.RFC3339Nano, c.Now)
			if err != nil {
				os.Stderr.WriteString("oracle: bad now: " + err.Error() + "\n")
				os.Exit(2)
			}
			local := now.In(time.Local)
			fm = funcs(&local)
		}
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
