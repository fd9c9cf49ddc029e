package web

import (
	"strings"
	"testing"
	"time"

	signet "github.com/signetdev/signet"
)

var chartNow = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

// chartHour returns the hour h of the i-th day of the charts ending at chartNow
// (0 is the first, usageDays-1 today).
func chartHour(i, h int) time.Time {
	return usageSince(chartNow).AddDate(0, 0, i).Add(time.Duration(h) * time.Hour)
}

func TestDailyUsage(t *testing.T) {
	t.Parallel()
	u := dailyUsage(chartNow,
		[]signet.KeyActivity{
			{KeyID: "a", Hour: chartHour(-1, 23), Successes: 1000}, // the day before: ignored
			{KeyID: "a", Hour: chartHour(0, 0), Successes: 2},
			{KeyID: "a", Hour: chartHour(0, 23), Successes: 3, Failures: 1},
			{KeyID: "a", Hour: chartHour(29, 15), Failures: 4},
			{KeyID: "a", Hour: chartHour(30, 0), Successes: 1000}, // tomorrow: ignored
		},
		[]signet.KeyActivity{{KeyID: "b", Hour: chartHour(0, 5), Successes: 10}},
	)
	if len(u.Days) != usageDays {
		t.Fatalf("len(Days) = %d; want %d", len(u.Days), usageDays)
	}
	if got, want := u.Days[0].Day, time.Date(2025, 2, 13, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("first day = %v; want %v", got, want)
	}
	if got, want := u.Days[29].Day, time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("last day = %v; want %v", got, want)
	}
	if d := u.Days[0]; d.Successes != 15 || d.Failures != 1 {
		t.Errorf("first day = %+v; want 15 successes, 1 failure", d)
	}
	if d := u.Days[29]; d.Successes != 0 || d.Failures != 4 {
		t.Errorf("today = %+v; want 0 successes, 4 failures", d)
	}
	if u.Successes != 15 || u.Failures != 5 {
		t.Errorf("totals = %d, %d; want 15, 5", u.Successes, u.Failures)
	}
	for i := 1; i < 29; i++ {
		if d := u.Days[i]; d.Successes != 0 || d.Failures != 0 {
			t.Errorf("day %d = %+v; want zero", i, d)
		}
	}
}

// barsInside checks every bar lies within the viewBox, successes above
// the baseline and failures below it.
func barsInside(t *testing.T, name string, c chart) {
	t.Helper()
	if len(c.Bars) != usageDays {
		t.Fatalf("%s: %d bars; want %d", name, len(c.Bars), usageDays)
	}
	h := float64(c.H)
	for i, b := range c.Bars {
		if b.X < 0 || b.X+b.W > float64(c.W)+0.01 || b.W <= 0 {
			t.Errorf("%s: bar %d spans x %v..%v; want within 0..%d", name, i, b.X, b.X+b.W, c.W)
		}
		if b.OkH > 0 && (b.OkY < 0 || b.OkY+b.OkH > c.Base+0.01) {
			t.Errorf("%s: success bar %d spans y %v..%v; want within 0..%v", name, i, b.OkY, b.OkY+b.OkH, c.Base)
		}
		if b.FailH > 0 && (b.FailY < c.Base-0.01 || b.FailY+b.FailH > h+0.01) {
			t.Errorf("%s: failure bar %d spans y %v..%v; want within %v..%v", name, i, b.FailY, b.FailY+b.FailH, c.Base, h)
		}
		if i > 0 && b.X <= c.Bars[i-1].X+c.Bars[i-1].W-0.01 {
			t.Errorf("%s: bar %d overlaps bar %d", name, i, i-1)
		}
	}
}

func TestChartGeometry(t *testing.T) {
	t.Parallel()
	series := func(set func(d []usageDay)) usage {
		u := dailyUsage(chartNow)
		set(u.Days)
		for _, d := range u.Days {
			u.Successes += d.Successes
			u.Failures += d.Failures
		}
		return u
	}
	for _, size := range []struct{ w, h int }{{sparkW, sparkH}, {chartW, chartH}} {
		t.Run("zero data", func(t *testing.T) {
			c := newChart(dailyUsage(chartNow), size.w, size.h)
			barsInside(t, "zero", c)
			for i, b := range c.Bars {
				if b.OkH != 0 || b.FailH != 0 {
					t.Errorf("bar %d = %+v; want no bars", i, b)
				}
			}
			if c.Base != float64(size.h)-chartPad {
				t.Errorf("Base = %v; want the bottom, %v", c.Base, float64(size.h)-chartPad)
			}
			if !strings.HasPrefix(c.Label, "No verifications in the last 30 days (2025-02-13 to 2025-03-14 UTC)") {
				t.Errorf("Label = %q", c.Label)
			}
		})
		t.Run("one day", func(t *testing.T) {
			c := newChart(series(func(d []usageDay) { d[29].Successes = 7 }), size.w, size.h)
			barsInside(t, "one day", c)
			b := c.Bars[29]
			if b.OkY != chartPad || b.OkH != c.Base-chartPad || b.FailH != 0 {
				t.Errorf("today = %+v (base %v); want a full-height success bar", b, c.Base)
			}
			for i, b := range c.Bars[:29] {
				if b.OkH != 0 || b.FailH != 0 {
					t.Errorf("bar %d = %+v; want none", i, b)
				}
			}
			if want := "7 successful verifications and 0 failed ones in the last 30 days"; !strings.HasPrefix(c.Label, want) ||
				!strings.HasSuffix(c.Label, "busiest day 2025-03-14 with 7 successful and 0 failed") {
				t.Errorf("Label = %q; want it to start %q and name the busiest day", c.Label, want)
			}
		})
		t.Run("spike", func(t *testing.T) {
			c := newChart(series(func(d []usageDay) {
				d[3].Successes = 1
				d[10].Successes = 1_000_000
				d[11].Failures = 1
			}), size.w, size.h)
			barsInside(t, "spike", c)
			if c.Bars[3].OkH < minBar {
				t.Errorf("quiet day height = %v; want at least %v", c.Bars[3].OkH, minBar)
			}
			if c.Bars[11].FailH < minBar {
				t.Errorf("one failure height = %v; want at least %v", c.Bars[11].FailH, minBar)
			}
			if c.Bars[10].OkH <= c.Bars[3].OkH*10 {
				t.Errorf("spike height %v; want far above the quiet day's %v", c.Bars[10].OkH, c.Bars[3].OkH)
			}
		})
		t.Run("failures only", func(t *testing.T) {
			c := newChart(series(func(d []usageDay) { d[0].Failures = 2; d[5].Failures = 4 }), size.w, size.h)
			barsInside(t, "failures only", c)
			if c.Base != chartPad {
				t.Errorf("Base = %v; want the top, %v", c.Base, chartPad)
			}
			if b := c.Bars[5]; b.OkH != 0 || b.FailY != c.Base || b.FailH != float64(size.h)-2*chartPad {
				t.Errorf("worst day = %+v; want a full-height failure bar", b)
			}
			if got, want := c.Bars[0].FailH, c.Bars[5].FailH/2; got != want {
				t.Errorf("2 failures height = %v; want half of 4's, %v", got, want)
			}
			if !strings.HasPrefix(c.Label, "0 successful verifications and 6 failed ones") {
				t.Errorf("Label = %q", c.Label)
			}
		})
		t.Run("both on one scale", func(t *testing.T) {
			c := newChart(series(func(d []usageDay) { d[1].Successes = 30; d[2].Failures = 10 }), size.w, size.h)
			barsInside(t, "both", c)
			ok, fail := c.Bars[1].OkH, c.Bars[2].FailH
			if r := ok / fail; r < 2.9 || r > 3.1 {
				t.Errorf("heights %v and %v; want a ratio of 3", ok, fail)
			}
		})
	}
}
