package signet

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// MaxDuration is the longest duration ParseDuration accepts: 100 years of
// 365 days, far beyond any key lifetime or retention period, and far
// below the ~292 years a time.Duration can hold.
const MaxDuration = 100 * 365 * 24 * time.Hour

// DurationSyntax says, for messages, what ParseDuration accepts.
const DurationSyntax = "a duration such as 30d, 12h, 90m or 1d12h, or ISO 8601 such as P30D or PT12H"

// ParseDuration is the one parser of durations for every surface: the
// REST API (expires_in), the CLI's flags (--expires-in, --since,
// --audit-retention), the web UI's forms. It accepts
//
//   - Go's syntax (time.ParseDuration) with two more units, d for 24 hours
//     and w for 7 days: a sequence of numbers, each with a unit of ns, us
//     (or µs), ms, s, m, h, d or w, e.g. "30d", "2w", "12h", "90m",
//     "1d12h", "1.5h", "0";
//   - ISO 8601 durations of weeks, days, hours, minutes and seconds:
//     "P30D", "PT12H", "P1DT12H", "P2W", "PT0.5S" (designators in either
//     case). Years and months are refused: their length varies.
//
// A sign is refused: a duration here is a length of time, never
// negative. Zero ("0", "0s", "PT0S") is accepted; callers that need a
// positive duration say so. Anything longer than MaxDuration is refused.
// The error is an *Error with code EINVALID whose message quotes s
// (shortened) and says what to write instead; callers prefix the field.
func ParseDuration(s string) (time.Duration, error) {
	v := strings.TrimSpace(s)
	var d time.Duration
	var ok bool
	switch {
	case v == "":
		return 0, durationError(s, "it is empty")
	case v[0] == '+' || v[0] == '-':
		return 0, durationError(s, "a duration cannot have a sign")
	case v[0] == 'P' || v[0] == 'p':
		d, ok = parseISODuration(v)
	default:
		d, ok = parseGoDuration(v)
	}
	if !ok {
		if strings.ContainsAny(v, "YyMm") && (v[0] == 'P' || v[0] == 'p') && !strings.ContainsAny(v, "Tt") {
			return 0, durationError(s, "years and months have no fixed length; use days (P365D)")
		}
		return 0, durationError(s, "")
	}
	if d > MaxDuration {
		return 0, durationError(s, "it is longer than 100 years")
	}
	return d, nil
}

func durationError(s, why string) *Error {
	q := s
	if len(q) > 40 {
		q = strings.ToValidUTF8(q[:40], "") + "…"
	}
	if why != "" {
		return Errorf(EINVALID, "%q is not a valid duration (%s); use %s", q, why, DurationSyntax)
	}
	return Errorf(EINVALID, "%q is not a valid duration; use %s", q, DurationSyntax)
}

// parseGoDuration parses Go's duration syntax plus the units d (24h) and w (7d),
// without a sign.
func parseGoDuration(s string) (time.Duration, bool) {
	if s == "0" {
		return 0, true
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		j := i
		for j < len(s) && !(s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		d, ok := component(s[:i], s[i:j])
		if !ok {
			return 0, false
		}
		if total, ok = add(total, d); !ok {
			return 0, false
		}
		s = s[j:]
	}
	return total, true
}

// component is the duration of one number and its unit (one of Go's, or
// d for 24h), computed by time.ParseDuration so that fractions round as
// Go rounds them.
func component(num, unit string) (time.Duration, bool) {
	if num == "" || num[0] == '.' || strings.Count(num, ".") > 1 {
		return 0, false
	}
	mult := time.Duration(1)
	switch unit {
	case "d":
		unit, mult = "h", 24
	case "w":
		unit, mult = "h", 7*24
	case "ns", "us", "µs", "μs", "ms", "s", "m", "h":
	default:
		return 0, false
	}
	d, err := time.ParseDuration(num + unit)
	if err != nil || d > math.MaxInt64/mult {
		return 0, false
	}
	return d * mult, true
}

// add returns a + b, or false when it overflows.
func add(a, b time.Duration) (time.Duration, bool) {
	if a > math.MaxInt64-b {
		return 0, false
	}
	return a + b, true
}

// parseISODuration parses an ISO 8601 duration of weeks, days, hours,
// minutes and seconds: P[nW] or P[nD][T[nH][nM][nS]]; only the last
// number may have a fraction (a point or a comma).
func parseISODuration(s string) (time.Duration, bool) {
	s = strings.ToUpper(s[1:])
	var total time.Duration
	inTime := false
	order := "WD" // designators allowed next, in order
	seen := false
	for s != "" {
		if s[0] == 'T' {
			if inTime || len(s) == 1 {
				return 0, false
			}
			inTime, order = true, "HMS"
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == ',') {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, false
		}
		num := strings.Replace(s[:i], ",", ".", 1)
		des := s[i]
		k := strings.IndexByte(order, des)
		if k < 0 || strings.Contains(num, ".") && i+1 != len(s) {
			return 0, false // out of order, unknown, or a fraction before the last number
		}
		order = order[k+1:]
		unit := map[byte]string{'W': "w", 'D': "d", 'H': "h", 'M': "m", 'S': "s"}[des]
		if des == 'W' {
			order = "" // weeks stand alone
		}
		d, ok := component(num, unit)
		if !ok {
			return 0, false
		}
		if total, ok = add(total, d); !ok {
			return 0, false
		}
		seen = true
		s = s[i+1:]
	}
	return total, seen
}

// FormatDuration writes d in the syntax ParseDuration reads, as shortly
// as it can with whole units: "30d", "1d12h", "90m", "1h30m", "45s";
// a duration with a fraction of a second is written as Go writes it.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	if d < 0 || d%time.Second != 0 {
		return d.String()
	}
	var b strings.Builder
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteString(u.name)
			d -= n * u.unit
		}
	}
	return b.String()
}
