package web

import (
	"math"
	"strconv"
	"time"

	signet "github.com/signetdev/signet"
)

// The usage charts: a key's or a service account's successful and failed
// verifications per day over the last usageDays days, drawn as inline SVG
// whose geometry is computed here (no script; the strict CSP forbids
// style attributes, so the SVG carries only presentation attributes and
// classes styled by app.css). Successes rise above a baseline, failures
// hang below it, on one scale, so that a day of failures is told apart
// by its place as well as its colour.

// usageDays is how many UTC days, today included, the charts cover.
const usageDays = 30

// usageDay is one UTC day's counts.
type usageDay struct {
	Day                 time.Time // midnight UTC
	Successes, Failures int64
}

// usage is verifications per UTC day, oldest first: always usageDays
// days, days without activity zero.
type usage struct {
	Days                []usageDay
	Successes, Failures int64 // totals
}

// usageSince is the start of the first day of the charts that end at now.
func usageSince(now time.Time) time.Time {
	return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(usageDays - 1))
}

// dailyUsage sums hourly activity (of one key or several) into the days
// of the charts that end at now; hours outside them are ignored.
func dailyUsage(now time.Time, hours ...[]signet.KeyActivity) usage {
	first := usageSince(now)
	u := usage{Days: make([]usageDay, usageDays)}
	for i := range u.Days {
		u.Days[i].Day = first.AddDate(0, 0, i)
	}
	for _, hs := range hours {
		for _, h := range hs {
			i := int(h.Hour.UTC().Sub(first) / (24 * time.Hour))
			if h.Hour.Before(first) || i >= usageDays {
				continue
			}
			u.Days[i].Successes += h.Successes
			u.Days[i].Failures += h.Failures
			u.Successes += h.Successes
			u.Failures += h.Failures
		}
	}
	return u
}

// Chart sizes, in the units of the SVG's viewBox (the page's CSS sets the
// size on screen).
const (
	sparkW, sparkH = 60, 16
	chartW, chartH = 300, 80
	// chartPad keeps the tallest bar off the edges.
	chartPad = 1
	// minBar is the least height of a day with any count, so that a quiet
	// day beside a spike still shows.
	minBar = 1
)

// chart is the geometry of one usage chart, ready for the template.
type chart struct {
	W, H  int
	Base  float64 // y of the baseline
	Bars  []chartBar
	Label string // the accessible name: what the picture says, in words
	Usage usage
}

// chartBar is one day: a success bar above the baseline and a failure bar
// below it, each absent when its height is 0.
type chartBar struct {
	X, W         float64
	OkY, OkH     float64
	FailY, FailH float64
	Day          usageDay
}

// newChart lays out u in a w×h viewBox.
func newChart(u usage, w, h int) chart {
	c := chart{W: w, H: h, Usage: u, Label: usageLabel(u)}
	var maxOk, maxFail int64
	for _, d := range u.Days {
		maxOk, maxFail = max(maxOk, d.Successes), max(maxFail, d.Failures)
	}
	avail := float64(h) - 2*chartPad
	okSpace := avail
	switch {
	case maxOk == 0 && maxFail == 0:
		okSpace = avail
	case maxOk == 0:
		okSpace = 0
	case maxFail > 0:
		// One scale for both, but each side keeps room for a least bar.
		okSpace = avail * float64(maxOk) / float64(maxOk+maxFail)
		okSpace = min(max(okSpace, minBar), avail-minBar)
	}
	failSpace := avail - okSpace
	c.Base = round2(chartPad + okSpace)
	n := max(len(u.Days), 1)
	step := float64(w) / float64(n)
	barW := round2(step * 0.7)
	scaled := func(v, top int64, space float64) float64 {
		if v <= 0 || top <= 0 {
			return 0
		}
		return round2(max(space*float64(v)/float64(top), minBar))
	}
	for i, d := range u.Days {
		b := chartBar{X: round2(float64(i)*step + (step-barW)/2), W: barW, Day: d}
		b.OkH = scaled(d.Successes, maxOk, okSpace)
		b.OkY = round2(c.Base - b.OkH)
		b.FailH = scaled(d.Failures, maxFail, failSpace)
		b.FailY = c.Base
		c.Bars = append(c.Bars, b)
	}
	return c
}

// Span is the chart's days in words: "2025-02-13 to 2025-03-14 UTC".
func (c chart) Span() string {
	d := c.Usage.Days
	if len(d) == 0 {
		return ""
	}
	return d[0].Day.Format(time.DateOnly) + " to " + d[len(d)-1].Day.Format(time.DateOnly) + " UTC"
}

// usageLabel says what a chart shows: the totals and the busiest day.
func usageLabel(u usage) string {
	if len(u.Days) == 0 {
		return "No verifications"
	}
	span := " in the last " + strconv.Itoa(len(u.Days)) + " days (" + chart{Usage: u}.Span() + ")"
	if u.Successes == 0 && u.Failures == 0 {
		return "No verifications" + span
	}
	busiest := u.Days[0]
	for _, d := range u.Days {
		if d.Successes+d.Failures > busiest.Successes+busiest.Failures {
			busiest = d
		}
	}
	return plural(u.Successes, "successful verification", "successful verifications") + " and " +
		plural(u.Failures, "failed one", "failed ones") + span + "; busiest day " + busiest.Day.Format(time.DateOnly) +
		" with " + strconv.FormatInt(busiest.Successes, 10) + " successful and " + strconv.FormatInt(busiest.Failures, 10) + " failed"
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
